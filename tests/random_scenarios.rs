//! Any scenario that passes validation gives finite numbers only: random numbers,
//! anywhere in the default scenario, within or beyond the validated ranges, are
//! either refused by validation or simulate to metrics, tables and per-user records
//! without NaN or infinity.

use onboard::output::write_metrics_csv;
use onboard::simulate::{Population, simulate};
use onboard::table;
use onboard_agents::baselines::RandomPolicy;
use onboard_envs::{Model, Scenario};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::Arc;

/// The paths of every number in `value`, as JSON pointers, and whether each is an
/// integer.
fn numbers(value: &Value, path: String, found: &mut Vec<(String, bool)>) {
    match value {
        Value::Number(n) => found.push((path, n.is_u64() || n.is_i64())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                numbers(item, format!("{path}/{i}"), found);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                numbers(
                    item,
                    format!("{path}/{}", key.replace('~', "~0").replace('/', "~1")),
                    found,
                );
            }
        }
        _ => {}
    }
}

/// A number a user might write: the ends of the validated ranges, small and huge
/// magnitudes of either sign, and everything in between on a log scale.
fn any_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(1.0),
        Just(5.0),
        Just(1e7),
        Just(-1e7),
        (-7.0_f64..7.0, any::<bool>()).prop_map(|(e, negative)| {
            let x = 10f64.powf(e);
            if negative { -x } else { x }
        }),
        0.0_f64..1.0,
    ]
}

fn default_scenario() -> Value {
    serde_json::to_value(Scenario::builtin("default").expect("the default scenario"))
        .expect("a scenario is JSON")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, max_global_rejects: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn a_valid_scenario_simulates_to_finite_numbers_only(
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any_number(), 0_u64..40), 1..8),
        seed in any::<u64>(),
    ) {
        let mut value = default_scenario();
        let mut leaves = Vec::new();
        numbers(&value, String::new(), &mut leaves);
        for (index, real, whole) in &changes {
            let (path, integer) = &leaves[index.index(leaves.len())];
            let number = if *integer { Value::from(*whole) } else { Value::from(*real) };
            *value.pointer_mut(path).expect("a leaf") = number;
        }
        let model = serde_json::from_value::<Scenario>(value).ok().and_then(|s| Model::new(s).ok());
        prop_assume!(model.is_some(), "refused by validation");
        let model = Arc::new(model.expect("valid"));
        let mut policy = RandomPolicy::new(model.n_actions(), seed);
        let simulation = simulate(Arc::clone(&model), seed, Population::Cohort { users: 200 }, &mut policy, true)
            .expect("a valid scenario simulates");
        for row in simulation.metrics.by_age() {
            let age = row.age;
            for e in [row.survival, row.active, row.lapsed, row.won_back, row.conversion, row.unsubscribed] {
                prop_assert!(e.mean.is_finite() && e.low.is_finite() && e.high.is_finite(), "age {age}: {e:?} ({changes:?})");
            }
        }
        for user in &simulation.users {
            prop_assert!(
                [user.revenue, user.profit, user.cost, user.messages].iter().all(|x| x.is_finite()),
                "{user:?} ({changes:?})"
            );
        }
        let printed = table::render(&simulation.metrics).to_lowercase();
        prop_assert!(!printed.contains("nan") && !printed.contains("inf"), "{printed}");
        let dir = tempfile::tempdir().expect("temp dir");
        let csv = dir.path().join("metrics.csv");
        write_metrics_csv(&csv, &simulation.metrics).expect("written");
        let text = std::fs::read_to_string(&csv).expect("read");
        for line in text.lines().skip(1) {
            for cell in line.split(',') {
                let x: f64 = cell.parse().map_err(|_| TestCaseError::fail(format!("cell '{cell}' in {line}")))?;
                prop_assert!(x.is_finite(), "{line}");
            }
        }
    }
}

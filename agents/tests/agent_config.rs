//! One RON file builds any agent: the shipped agent files parse, validate and
//! build for a scenario; bad files are reported by origin, line and field.

use onboard_agents::AgentConfig;
use onboard_envs::{ObservationLayout, Scenario};
use std::path::Path;

fn scenario() -> Scenario {
    Scenario::builtin("default").expect("a built-in scenario")
}

#[test]
fn every_shipped_agent_file_builds_for_the_default_scenario() {
    let scenario = scenario();
    let layout = ObservationLayout::new(&scenario);
    let actions = scenario.action_names();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/configs");
    let mut kinds = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the configs folder") {
        let path = entry.expect("an entry").path();
        let config = AgentConfig::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let agent = config
            .build(&layout, &actions, 1)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(agent.n_actions(), actions.len());
        kinds.push(config.kind());
    }
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "dqn",
            "dqn",
            "gaussian-thompson",
            "linucb",
            "rules",
            "rules",
            "rules",
            "rules"
        ]
    );
}

#[test]
fn a_constant_names_a_lever_or_levers_joined_in_any_order() {
    let scenario = scenario();
    let layout = ObservationLayout::new(&scenario);
    let actions = scenario.action_names();
    for (spec, expected) in [
        ("nothing", "none+none+none"),
        ("recs", "none+none+recs"),
        ("recs+email", "email+none+recs"),
        ("push+coupon+tour", "push+coupon+tour"),
    ] {
        let config = AgentConfig::from_ron(&format!("Constant(action: \"{spec}\")"), "inline")
            .expect("valid");
        let mut agent = config.build(&layout, &actions, 1).expect("builds");
        let mut choice = [0];
        agent.act(
            ndarray::Array2::zeros((1, layout.len())).view(),
            &mut choice,
        );
        assert_eq!(actions[choice[0]], expected, "{spec}");
    }
}

#[test]
fn an_agent_can_choose_among_journeys_instead_of_actions() {
    let scenario = scenario();
    let layout = ObservationLayout::new(&scenario);
    let journeys = scenario.journey_names();
    let config =
        AgentConfig::from_ron(r#"Constant(action: "tour-then-recs")"#, "inline").expect("valid");
    let mut agent = config.build(&layout, &journeys, 1).expect("builds");
    let observations = ndarray::Array2::zeros((3, layout.len()));
    let mut choices = [0; 3];
    agent.act(observations.view(), &mut choices);
    let tour = journeys.iter().position(|j| j == "tour-then-recs");
    assert_eq!(choices.map(Some), [tour; 3]);
}

#[test]
fn bad_agent_files_name_origin_line_and_field() {
    let scenario = scenario();
    let layout = ObservationLayout::new(&scenario);
    let actions = scenario.action_names();
    let unknown_kind = AgentConfig::from_ron("Sarsa(alpha: 1.0)", "agent.ron").expect_err("bad");
    assert!(
        unknown_kind.to_string().starts_with("agent.ron:1:"),
        "{unknown_kind}"
    );
    let bad_value = AgentConfig::from_ron("LinUcb(alpha: -1.0, regularization: 1.0)", "a.ron")
        .expect_err("bad");
    assert!(
        bad_value.to_string().starts_with("a.ron: alpha:"),
        "{bad_value}"
    );
    let typo = AgentConfig::from_ron("LinUcb(alpha: 1.0,\n regularisation: 1.0)", "a.ron")
        .expect_err("bad");
    assert!(typo.to_string().starts_with("a.ron:2:"), "{typo}");
    let unknown_action = AgentConfig::from_ron(r#"Constant(action: "fax")"#, "a.ron")
        .expect("parses")
        .build(&layout, &actions, 1)
        .err()
        .expect("unknown action");
    assert!(
        unknown_action
            .to_string()
            .starts_with("action: unknown option 'fax'"),
        "{unknown_action}"
    );
    let missing = AgentConfig::from_file(Path::new("nowhere/agent.ron")).expect_err("missing");
    assert!(
        missing
            .to_string()
            .starts_with("nowhere/agent.ron: cannot be read")
    );
}

/// The hand-written rule schedules the shipped `segment-rules.ron` was chosen from
/// (`experiments/hand-written-rules/`) stay valid for the default scenario.
#[test]
fn every_hand_written_rule_schedule_builds_for_the_default_scenario() {
    let scenario = scenario();
    let layout = ObservationLayout::new(&scenario);
    let actions = scenario.action_names();
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../experiments/hand-written-rules"
    );
    let mut schedules = 0;
    for entry in std::fs::read_dir(dir).expect("the rules folder") {
        let path = entry.expect("an entry").path();
        let config = AgentConfig::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.kind(), "rules", "{}", path.display());
        config
            .build(&layout, &actions, 1)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        schedules += 1;
    }
    assert!(schedules >= 10, "{schedules} schedules");
}

/// The guided DQN's guide is the shipped segment-aware schedule, rule for rule.
#[test]
fn the_guided_dqn_follows_the_shipped_segment_rules() {
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let AgentConfig::Dqn(dqn) =
        AgentConfig::from_file(&configs.join("dqn-guided.ron")).expect("valid")
    else {
        panic!("dqn-guided.ron is not a DQN");
    };
    let AgentConfig::Rules(rules) =
        AgentConfig::from_file(&configs.join("segment-rules.ron")).expect("valid")
    else {
        panic!("segment-rules.ron is not a rule schedule");
    };
    assert_eq!(dqn.guide, Some(rules));
}

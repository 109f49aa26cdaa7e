//! Weight diagnostics, unsupported mass and warnings against hand computations.

use onboard_ope::{
    Columns, OpeError, trajectory_ess, unsupported_mass, warnings, weight_diagnostics,
};

#[test]
fn weight_diagnostics_match_the_hand_computation() {
    // Weights 1, 3, 0.5, 3: Σ w = 7.5, Σ w² = 1 + 9 + 0.25 + 9 = 19.25.
    let columns = Columns::independent(
        vec![0.5, 0.25, 0.8, 0.2],
        vec![0.5, 0.75, 0.4, 0.6],
        vec![1.0; 4],
    );
    let d = weight_diagnostics(&columns).expect("valid columns");
    assert!((d.ess - 7.5 * 7.5 / 19.25).abs() < 1e-12);
    assert!((d.ess_fraction() - 7.5 * 7.5 / 19.25 / 4.0).abs() < 1e-12);
    assert!((d.max_weight - 3.0).abs() < 1e-12);
    // Nearest rank ⌈0.99 · 4⌉ = 4: the largest.
    assert!((d.p99_weight - 3.0).abs() < 1e-12);
    assert!((d.max_weight_share - 3.0 / 7.5).abs() < 1e-12);
    assert_eq!((d.rows, d.units), (4, 4));

    // 200 weights 1 and one 0.5: the 99th percentile is rank ⌈0.99 · 201⌉ = 199, a 1.
    let mut target = vec![0.5; 200];
    target.push(0.25);
    let columns = Columns::independent(vec![0.5; 201], target, vec![0.0; 201]);
    let d = weight_diagnostics(&columns).expect("valid columns");
    assert_eq!((d.p99_weight, d.max_weight), (1.0, 1.0));
    assert!(warnings(&d, Some(0.0)).is_empty());

    let never = Columns::independent(vec![0.5; 3], vec![0.0; 3], vec![1.0; 3]);
    let d = weight_diagnostics(&never).expect("valid columns");
    assert_eq!((d.ess, d.max_weight_share), (0.0, 0.0));
}

#[test]
fn unsupported_mass_sums_the_unseen_actions_per_region() {
    // Region 0 saw actions 0 and 1, region 1 only action 0.
    let probabilities = [0.2, 0.3, 0.5, 0.1, 0.1, 0.8, 0.6, 0.4, 0.0];
    let mass = unsupported_mass(&[0, 0, 1], &[0, 1, 0], &probabilities).expect("valid");
    // Rows 0 and 1 miss action 2 (0.5, 0.8), row 2 actions 1 and 2 (0.4 + 0).
    assert!((mass - (0.5 + 0.8 + 0.4) / 3.0).abs() < 1e-12);
    for (regions, actions, needle) in [
        (&[0u32, 0, 1][..], &[0u32, 3, 0][..], "row 1 logs action 3"),
        (&[0, 0][..], &[0, 1][..], "rows × actions"),
        (&[][..], &[][..], "no rows"),
    ] {
        match unsupported_mass(regions, actions, &probabilities) {
            Err(OpeError::Columns(why)) => assert!(why.contains(needle), "{why}"),
            other => panic!("expected '{needle}', got {other:?}"),
        }
    }
}

#[test]
fn warnings_name_each_failed_assumption() {
    // One weight of 19 among 99 of 1 over 20 units: share 19/118, ESS 118²/460 ≈ 30 %.
    let mut propensity = vec![0.5; 99];
    propensity.push(0.05);
    let mut target = vec![0.5; 99];
    target.push(0.95);
    let columns = Columns {
        starts: (0..=20).map(|u| 5 * u).collect(),
        ..Columns::independent(propensity, target, vec![1.0; 100])
    };
    let d = weight_diagnostics(&columns).expect("valid columns");
    let all = warnings(&d, Some(0.02));
    assert_eq!(all.len(), 3, "{all:#?}");
    assert!(all[0].contains("2.0 %") && all[0].contains("never took"));
    assert!(all[1].contains("largest weight") && all[1].contains("16.1 %"));
    assert!(all[2].contains("only 20 units"));

    let never = Columns::independent(vec![0.5; 200], vec![0.0; 200], vec![1.0; 200]);
    let d = weight_diagnostics(&never).expect("valid columns");
    let all = warnings(&d, None);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].contains("effective sample size is 0 of 200 rows"));
}

#[test]
fn the_trajectory_effective_sample_size_matches_the_hand_computation() {
    // Weights 1, 3 | 0.5, 3 | 0: products ρ = 3, 1.5, 0; (Σρ)² / Σρ² = 4.5² / 11.25 = 1.8.
    let mut columns = Columns::independent(
        vec![0.5, 0.25, 0.8, 0.2, 0.5],
        vec![0.5, 0.75, 0.4, 0.6, 0.0],
        vec![1.0; 5],
    );
    columns.starts = vec![0, 2, 4, 5];
    assert!((trajectory_ess(&columns).expect("valid") - 1.8).abs() < 1e-12);
    // Every product 0: no user's trajectory is one the target could take.
    columns.target = vec![0.0; 5];
    assert_eq!(trajectory_ess(&columns).expect("valid"), 0.0);
}

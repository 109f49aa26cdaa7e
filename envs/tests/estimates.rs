//! The intervals of `Estimate`: Wilson's score interval for proportions, checked
//! against published values, with exact ends where nobody or everybody succeeded.

use onboard_envs::Estimate;

#[test]
fn wilson_intervals_match_published_values_and_have_exact_ends() {
    // Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson,
    // no continuity correction): 81/263 → 0.2553 to 0.3662; 15/148 → 0.0624 to
    // 0.1605; 0/20 → 0 to 0.1611.
    for (successes, n, low, high) in [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
    ] {
        let e = Estimate::proportion(successes, n);
        assert!((e.low - low).abs() < 5e-5, "{successes}/{n}: {e:?}");
        assert!((e.high - high).abs() < 5e-5, "{successes}/{n}: {e:?}");
    }
    // Nobody, or everybody: the formula's ends are 0 and 1 exactly, without the
    // rounding left by `centre ± half` (3.5e-18 for 0 of 100 before).
    for n in [1, 7, 100, 12_345] {
        assert_eq!(Estimate::proportion(0, n).low, 0.0);
        assert_eq!(Estimate::proportion(n, n).high, 1.0);
    }
    let none = Estimate::proportion(0, 0);
    assert!(none.mean.is_nan() && none.low.is_nan() && none.high.is_nan());
}

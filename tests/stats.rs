//! The statistics of A/B/n experiments against textbook and closed-form values.
//!
//! Reference values marked "mpmath" were computed with the same formula in
//! 40-digit arithmetic (Python mpmath 1.3); the functions here work in doubles, so
//! unless said otherwise they must agree to 1e-12 relative: a few hundred ulps,
//! room for the rounding of sums, square roots and the 1e-16 series tolerances,
//! and still tight enough that any wrong term or constant would fail.

use onboard::stats::{
    DayCounts, Life, MIN_USERS, PairedStats, SampleStats, StatsError, Z95, chi_square_sf,
    compare_means, compare_paired, compare_paired_proportions, compare_proportions, day_counts,
    difference_skewness, holm, kaplan_meier, kolmogorov_sf, ks_uniform, log_rank,
    normal_approximation_floor, normal_cdf, normal_quantile, normal_two_sided_p, sample_size_means,
    sample_size_proportions, skewness,
};

/// The tolerance of values that come through statrs's normal and chi-square
/// distributions (p-values, Φ): its `erfc` agrees with mpmath to a few parts in
/// 1e11, far below the three digits a p-value is read to, so 1e-9 relative.
const STATRS: f64 = 1e-9;

/// `actual` is within `rel` of `expected`, relatively (absolutely below 1).
fn close(actual: f64, expected: f64, rel: f64) -> bool {
    (actual - expected).abs() <= rel * expected.abs().max(1.0)
}

macro_rules! assert_close {
    ($actual:expr, $expected:expr) => {
        assert_close!($actual, $expected, 1e-12)
    };
    ($actual:expr, $expected:expr, $rel:expr) => {{
        let (actual, expected) = ($actual, $expected);
        assert!(
            close(actual, expected, $rel),
            "{} = {actual}, expected {expected} (± {})",
            stringify!($actual),
            $rel
        );
    }};
}

// ---------------------------------------------------------------- distributions

#[test]
fn normal_quantile_and_cdf_match_tables() {
    // The brief's check: Φ⁻¹(0.975) = 1.959964 to 1e-6; here to statrs's
    // precision, and the module's Z95 constant is that value.
    let z = normal_quantile(0.975).unwrap();
    assert!((z - 1.959964).abs() < 1e-6);
    assert_close!(z, 1.959_963_984_540_054, STATRS);
    assert_close!(Z95, z, STATRS);
    assert_close!(
        normal_quantile(0.8).unwrap(),
        0.841_621_233_572_914_2,
        STATRS
    );
    assert_eq!(normal_quantile(0.5).unwrap(), 0.0);
    assert_close!(
        normal_quantile(1e-10).unwrap(),
        -6.361_340_902_404_056,
        STATRS
    );
    assert_eq!(normal_quantile(0.0).unwrap(), f64::NEG_INFINITY);
    assert_eq!(normal_quantile(1.0).unwrap(), f64::INFINITY);
    assert!(matches!(
        normal_quantile(1.5),
        Err(StatsError::OutOfRange { .. })
    ));
    assert!(normal_quantile(f64::NAN).is_err());

    // mpmath's ncdf. The tails are relative: Φ(−10) ≈ 7.6e-24, Φ(−37) ≈ 5.7e-300.
    assert_close!(normal_cdf(1.96), 0.975_002_104_851_779_6, STATRS);
    assert_close!(normal_cdf(-1.0), 0.158_655_253_931_457_05, STATRS);
    assert_close!(normal_cdf(-10.0) / 7.619_853_024_160_526e-24, 1.0, STATRS);
    assert_close!(normal_cdf(-37.0) / 5.725_571_222_524_577e-300, 1.0, STATRS);
    assert_eq!(normal_cdf(0.0), 0.5);
    // p = erfc(|z|/√2): erfc(1) at z = √2.
    assert_close!(
        normal_two_sided_p(2f64.sqrt()),
        0.157_299_207_050_285_13,
        STATRS
    );
    assert_eq!(normal_two_sided_p(0.0), 1.0);
    assert_eq!(normal_two_sided_p(f64::INFINITY), 0.0);
}

#[test]
fn chi_square_and_kolmogorov_tails_match_tables() {
    // Textbook 5 % critical values: 3.841459 (1 df), 5.991465 (2 df).
    assert_close!(chi_square_sf(3.841_458_820_694_124, 1), 0.05);
    assert_close!(chi_square_sf(5.991_464_547_107_979, 2), 0.05);
    assert_eq!(chi_square_sf(0.0, 3), 1.0);
    assert_eq!(chi_square_sf(7.0, 0), 1.0);
    // Kolmogorov: 1.3581 and 1.6276 are the 5 % and 1 % critical values of √n·D;
    // the rest are mpmath sums of 2 Σ (−1)ᵏ⁻¹ e^(−2k²x²), on both sides of the
    // switch between the two series at x = 1.
    assert_close!(kolmogorov_sf(1.358_098_6), 0.050_000_010_680_280_79);
    assert_close!(kolmogorov_sf(1.6276), 0.010_001_537_333_060_768);
    assert_close!(kolmogorov_sf(0.5), 0.963_945_243_664_875_1);
    assert_close!(kolmogorov_sf(1.0), 0.269_999_671_677_354_5);
    assert_close!(kolmogorov_sf(0.3), 0.999_990_694_198_665_4);
    assert_close!(kolmogorov_sf(2.5), 7.453_306_344_157_342e-6);
    assert_eq!(kolmogorov_sf(0.0), 1.0);
}

// ---------------------------------------------------------------- comparisons

#[test]
fn two_proportions_match_the_pooled_z_test() {
    // A: 100/1000 = 0.10, B: 120/1000 = 0.12. Pooled p = 0.11,
    // se₀ = √(0.11·0.89·(2/1000)) = 0.0139929, z = 0.02/se₀ = 1.429301,
    // p = 2(1 − Φ(z)) = 0.152918 (statsmodels proportions_ztest gives the same).
    // Unpooled se = √(0.09/1000 + 0.1056/1000) = 0.0139857 → 0.02 ± 1.96·se.
    let c = compare_proportions(100, 1000, 120, 1000).unwrap();
    assert_eq!((c.a, c.b), (0.1, 0.12));
    assert_close!(c.difference.estimate, 0.02);
    assert_close!(c.z, 1.429_300_849_823_232);
    assert_close!(c.p_value, 0.152_917_781_863_945_97, STATRS);
    assert_close!(c.difference.low, -0.007_411_481_998_019_936);
    assert_close!(c.difference.high, 0.047_411_481_998_019_94);
    // Lift 0.2; delta method: se² = (Var b + 1.2²·Var a)/0.1².
    let lift = c.lift.unwrap();
    assert_close!(lift.estimate, 0.2);
    assert_close!(lift.low, -0.100_584_616_144_482_42);
    assert_close!(lift.high, 0.500_584_616_144_482_4);

    // Swapping the arms flips the sign and keeps the p-value.
    let swapped = compare_proportions(120, 1000, 100, 1000).unwrap();
    assert_close!(swapped.z, -c.z);
    assert_close!(swapped.p_value, c.p_value, STATRS);

    // Degenerate: both arms all-zero → no difference, p = 1, no lift (A = 0).
    let zero = compare_proportions(0, 50, 0, 80).unwrap();
    assert_eq!(
        (zero.difference.estimate, zero.z, zero.p_value),
        (0.0, 0.0, 1.0)
    );
    assert_eq!(zero.lift, None);

    assert!(matches!(
        compare_proportions(11, 10, 1, 10),
        Err(StatsError::Inconsistent(_))
    ));
    assert!(matches!(
        compare_proportions(0, 0, 1, 10),
        Err(StatsError::TooFew { .. })
    ));
}

#[test]
fn independent_means_use_welch_standard_error() {
    // A = 1..6: mean 3.5, s² = 3.5; B = 3,5,7,9,11: mean 7, s² = 10.
    // se = √(3.5/6 + 10/5) = √2.583333 = 1.607275, z = 3.5/se = 2.177599,
    // p = 0.029436 (mpmath). Lift = 7/3.5 − 1 = 1, se = √((2 + 4·0.583333)/12.25).
    let a = SampleStats::from_values((1..=6).map(f64::from));
    let b = SampleStats::from_values([3.0, 5.0, 7.0, 9.0, 11.0]);
    let c = compare_means(&a, &b).unwrap();
    assert_eq!((c.a, c.b, c.difference.estimate), (3.5, 7.0, 3.5));
    assert_close!(c.z, 2.177_598_558_933_893);
    assert_close!(c.p_value, 0.029_435_936_934_382_4, STATRS);
    assert_close!(c.difference.low, 0.349_798_638_161_920_3);
    assert_close!(c.difference.high, 6.650_201_361_838_08);
    let lift = c.lift.unwrap();
    assert_close!(lift.estimate, 1.0);
    assert_close!(lift.low, -0.165_711_539_084_341_7);
    assert_close!(lift.high, 2.165_711_539_084_342);

    // Each arm needs two values for a variance; NaN sums are rejected.
    let one = SampleStats::from_values([1.0]);
    assert!(matches!(
        compare_means(&one, &b),
        Err(StatsError::TooFew { .. })
    ));
    let nan = SampleStats {
        n: 5,
        sum: f64::NAN,
        sum_sq: 1.0,
    };
    assert!(matches!(
        compare_means(&a, &nan),
        Err(StatsError::OutOfRange { .. })
    ));
}

#[test]
fn paired_differences_and_lift() {
    // a = 2, 1, 3, 4, 0 and b = a + d with d = 1, −1, 2, 0, 3: mean d 1,
    // s²_d = 10/4, se = √(2.5/5) = √0.5, z = √2, p = erfc(1) = 0.157299.
    let a = [2.0, 1.0, 3.0, 4.0, 0.0];
    let d = [1.0, -1.0, 2.0, 0.0, 3.0];
    let pairs = PairedStats::from_pairs(a.iter().zip(&d).map(|(&a, &d)| (a, a + d)));
    let c = compare_paired(&pairs).unwrap();
    assert_eq!((c.a, c.b), (2.0, 3.0));
    assert_eq!(c.difference.estimate, 1.0);
    assert_close!(c.z, 2f64.sqrt());
    assert_close!(c.p_value, 0.157_299_207_050_285_13, STATRS);
    assert_close!(c.difference.low, -0.385_903_824_349_677_9);
    assert_close!(c.difference.high, 2.385_903_824_349_678);
    // Lift by the delta method with the covariance: s²_a = 2.5, s²_b = 3.5,
    // Cov = 7/4, r = 1.5: (3.5 − 2·1.5·1.75 + 1.5²·2.5)/5 = 0.775, se = √0.775/2.
    let lift = c.lift.unwrap();
    assert_close!(lift.estimate, 0.5);
    assert_close!(lift.low, -0.362_718_173_281_105);
    assert_close!(lift.high, 1.362_718_173_281_105_1);
    // As independent samples the same values give the wider (0.7 + 1.125)/4.
    let welch = compare_means(&pairs.a, &pairs.b).unwrap().lift.unwrap();
    assert_close!(welch.high - welch.estimate, Z95 * (1.825_f64 / 4.0).sqrt());

    // Identical arms: every d = 0 gives exactly 0 and p = 1, no NaN.
    let values: Vec<f64> = (0..1000).map(|i| f64::from(i % 7) * 1.3).collect();
    let same = compare_paired(&PairedStats::from_pairs(values.iter().map(|&x| (x, x)))).unwrap();
    assert_eq!(same.difference.estimate, 0.0);
    assert_eq!((same.difference.low, same.difference.high), (0.0, 0.0));
    let lift = same.lift.unwrap();
    assert_eq!((lift.estimate, lift.low, lift.high), (0.0, 0.0, 0.0));
    assert_eq!((same.z, same.p_value), (0.0, 1.0));

    // A constant non-zero difference has no variance: certain, p = 0.
    let constant = compare_paired(&PairedStats::from_pairs(
        values.iter().map(|&x| (x, x + 0.5)),
    ))
    .unwrap();
    assert_eq!(constant.p_value, 0.0);
    assert!(compare_paired(&PairedStats::from_pairs([(1.0, 2.0)])).is_err());
}

#[test]
fn paired_proportions_use_mcnemar() {
    // 100 users: 40 active in both arms, 10 only under A, 25 only under B.
    // McNemar: χ² = (25 − 10)²/35 = 6.4286 (statsmodels' mcnemar with
    // exact=False, correction=False), p = 0.011230.
    let c = compare_paired_proportions(40, 10, 25, 25).unwrap();
    assert_eq!((c.a, c.b), (0.5, 0.65));
    assert_close!(c.z * c.z, 225.0 / 35.0);
    assert_close!(c.p_value, 0.011_229_886_652_916_679, STATRS);
    assert_close!(c.p_value, chi_square_sf(225.0 / 35.0, 1));
    // Difference 0.15 with the paired standard error √(((35 − 2.25)/99)/100).
    assert_close!(c.difference.estimate, 0.15);
    assert_close!(c.difference.low, 0.037_270_872_442_961_886);
    assert_close!(c.difference.high, 0.262_729_127_557_038_1);
    // Lift 0.3 with Cov(a, b) = (0.40 − 0.5·0.65)·100/99.
    let lift = c.lift.unwrap();
    assert_close!(lift.low, 0.034_254_335_655_666_435);
    assert_close!(lift.high, 0.565_745_664_344_333_6);
    // No discordant user: the arms agree on everyone.
    let agree = compare_paired_proportions(30, 0, 0, 70).unwrap();
    assert_eq!((agree.difference.estimate, agree.p_value), (0.0, 1.0));
}

#[test]
fn holm_matches_hand_computed_adjustments() {
    // m = 4: sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04
    // raised to the running maximum 0.06; returned in the input's order.
    let adjusted = holm(&[0.01, 0.04, 0.03, 0.005]).unwrap();
    for (got, want) in adjusted.iter().zip([0.03, 0.06, 0.06, 0.02]) {
        assert_close!(*got, want, 1e-15);
    }
    // R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") = 0.05 0.08 0.09 0.09 0.09.
    let adjusted = holm(&[0.01, 0.02, 0.03, 0.04, 0.05]).unwrap();
    for (got, want) in adjusted.iter().zip([0.05, 0.08, 0.09, 0.09, 0.09]) {
        assert_close!(*got, want, 1e-15);
    }
    // Capped at 1; one test is its own adjustment; nothing to adjust is nothing.
    assert_eq!(holm(&[0.5, 0.9]).unwrap(), [1.0, 1.0]);
    assert_eq!(holm(&[0.2]).unwrap(), [0.2]);
    assert!(holm(&[]).unwrap().is_empty());
    assert!(holm(&[0.1, f64::NAN]).is_err());
    assert!(holm(&[1.5]).is_err());
}

#[test]
fn skewness_and_the_normal_approximation_floor() {
    // A 0/1 variable with p = 1/4 has skewness (1 − 2p)/√(p(1 − p)) = 2/√3;
    // Cochran's n > 25·g₁² = 33.3 gives 34 users.
    let g = skewness(&[0.0, 0.0, 0.0, 1.0]).unwrap();
    assert_close!(g, 2.0 / 3f64.sqrt());
    assert_eq!(normal_approximation_floor(g).unwrap(), 34);
    // Symmetric values: no skew, the floor is the minimum; a skewness of 10
    // (log-normal profit) needs 2,501.
    assert_close!(skewness(&[1.0, 2.0, 3.0]).unwrap(), 0.0);
    assert_eq!(normal_approximation_floor(0.0).unwrap(), MIN_USERS);
    assert_eq!(normal_approximation_floor(-10.0).unwrap(), 2_501);
    assert_eq!(skewness(&[4.0; 10]).unwrap(), 0.0);
    // A split test's difference: a constant control leaves the arm's skewness,
    // swapping the arms flips its sign, and identical arms are symmetric.
    let bernoulli = [0.0, 0.0, 0.0, 1.0];
    assert_close!(difference_skewness(&[5.0; 3], &bernoulli).unwrap(), g);
    assert_close!(difference_skewness(&bernoulli, &[5.0; 3]).unwrap(), -g);
    assert_eq!(difference_skewness(&bernoulli, &bernoulli).unwrap(), 0.0);
    assert!(skewness(&[1.0, 2.0]).is_err());
    assert!(skewness(&[1.0, f64::INFINITY, 2.0]).is_err());
    assert!(normal_approximation_floor(f64::NAN).is_err());
}

#[test]
fn sample_sizes_follow_the_closed_forms() {
    // Fleiss (pooled under H₀, no continuity correction), p1 = 0.10, p2 = 0.12:
    // (1.959964·√(2·0.11·0.89) + 0.841621·√(0.09 + 0.1056))² / 0.02² = 3840.85 → 3841.
    // (The fully unpooled (z_α + z_β)²·Σp(1−p)/δ² would give 3838.1 → 3839.)
    assert_eq!(sample_size_proportions(0.10, 0.12).unwrap(), Some(3841));
    assert_eq!(sample_size_proportions(0.12, 0.10).unwrap(), Some(3841));
    // Means: 2(z_α + z_β)²/(δ/σ)²; a half-standard-deviation effect needs
    // 2·2.801585²/0.25 = 62.79 → 63 per arm (the classic normal-approximation value).
    assert_eq!(sample_size_means(0.5, 1.0).unwrap(), Some(63));
    assert_eq!(sample_size_means(-5.0, 10.0).unwrap(), Some(63));
    // Halving the difference quadruples n (before rounding): 251.16 → 252.
    assert_eq!(sample_size_means(0.25, 1.0).unwrap(), Some(252));

    // No difference: no sample size detects it.
    assert_eq!(sample_size_proportions(0.3, 0.3).unwrap(), None);
    assert_eq!(sample_size_means(0.0, 1.0).unwrap(), None);
    assert!(sample_size_proportions(-0.1, 0.2).is_err());
    assert!(sample_size_means(1.0, 0.0).is_err());
    assert!(sample_size_means(f64::NAN, 1.0).is_err());
}

// ---------------------------------------------------------------- survival

/// Freireich et al. (1963), 6-MP against placebo, remission in weeks (the
/// standard example of Kleinbaum & Klein, *Survival Analysis*, ch. 2); `true` is
/// relapse, `false` censored. Weeks serve as days.
fn freireich() -> (Vec<Life>, Vec<Life>) {
    let life = |(last_day, churned)| Life { last_day, churned };
    let six_mp = [6, 6, 6, 7, 10, 13, 16, 22, 23]
        .map(|t| (t, true))
        .into_iter();
    let six_mp_censored = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35].map(|t| (t, false));
    let placebo = [
        1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
    ];
    (
        six_mp.chain(six_mp_censored).map(life).collect(),
        placebo.into_iter().map(|t| life((t, true))).collect(),
    )
}

#[test]
fn kaplan_meier_matches_the_textbook_curve() {
    let (six_mp, _) = freireich();
    let days = day_counts(&six_mp, 36);
    assert_eq!(
        days[6],
        DayCounts {
            at_risk: 21,
            events: 3,
            censored: 1
        }
    );
    let km = kaplan_meier(&days).unwrap();
    // S(t) = Π (1 − d/n): 18/21, ·16/17, ·14/15, ·11/12, ·10/11, ·6/7, ·5/6, the
    // table's 0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448.
    let expected = [
        (6, 18.0 / 21.0),
        (7, 0.806_722_689_075_630_3),
        (10, 0.752_941_176_470_588_2),
        (13, 0.690_196_078_431_372_5),
        (16, 0.627_450_980_392_156_9),
        (22, 0.537_815_126_050_420_2),
        (23, 0.448_179_271_708_683_5),
    ];
    for (t, s) in expected {
        assert_close!(km[t].estimate, s);
    }
    assert_eq!(km[5].estimate, 1.0);
    assert_eq!(km[35].estimate, km[23].estimate);
    // Greenwood log-log 95 % interval, as R's survfit(conf.type = "log-log"):
    // week 6 (0.620, 0.952), week 23 (0.188, 0.680); digits from mpmath.
    assert_close!(km[6].low, 0.619_717_955_265_983_7);
    assert_close!(km[6].high, 0.951_551_747_646_997);
    assert_close!(km[23].low, 0.188_052_005_959_232_33);
    assert_close!(km[23].high, 0.680_142_628_495_241_5);
    assert_eq!((km[0].low, km[0].high), (1.0, 1.0));
}

#[test]
fn kaplan_meier_without_censoring_is_the_empirical_survival() {
    // 100 users with lifetimes spread over 10 days, a third never churning: with no
    // censoring inside the window, S(t) is the share whose last day is after t.
    let lives: Vec<Life> = (0..100)
        .map(|i| Life {
            last_day: (i * 7) % 15,
            churned: true,
        })
        .collect();
    let km = kaplan_meier(&day_counts(&lives, 10)).unwrap();
    for (t, s) in km.iter().enumerate() {
        let alive = lives.iter().filter(|l| l.last_day > t).count() as f64 / 100.0;
        // A product of ratios against one ratio: a few ulps.
        assert_close!(s.estimate, alive, 1e-14);
        assert!(s.low <= s.estimate && s.estimate <= s.high);
        assert!(s.low >= 0.0 && s.high <= 1.0);
    }
    // Everyone churning: S drops to exactly 0 with a zero-width interval.
    let all = kaplan_meier(&[DayCounts {
        at_risk: 4,
        events: 4,
        censored: 0,
    }])
    .unwrap();
    assert_eq!((all[0].estimate, all[0].low, all[0].high), (0.0, 0.0, 0.0));
    let bad = DayCounts {
        at_risk: 3,
        events: 2,
        censored: 2,
    };
    assert!(matches!(
        kaplan_meier(&[bad]),
        Err(StatsError::Inconsistent(_))
    ));
}

#[test]
fn log_rank_by_hand() {
    // Group A: day 0, 4 at risk, 1 event; day 1, 3 at risk, 1 event, 2 censored.
    // Group B: 4 at risk both days, no events, 4 censored on day 1.
    // Day 0: N = 8, D = 1 → E_A = 4/8, V = 1·7/7 · (4/8)(4/8) = 1/4.
    // Day 1: N = 7, D = 1 → E_A = 3/7, V = 1·6/6 · (3/7)(4/7) = 12/49.
    // O_A − E_A = 2 − 13/14 = 15/14, V = 97/196, χ² = (225/196)/(97/196) = 225/97,
    // p = P(χ²₁ > 225/97) = 0.127754 (mpmath).
    let a = [
        DayCounts {
            at_risk: 4,
            events: 1,
            censored: 0,
        },
        DayCounts {
            at_risk: 3,
            events: 1,
            censored: 2,
        },
    ];
    let b = [
        DayCounts {
            at_risk: 4,
            events: 0,
            censored: 0,
        },
        DayCounts {
            at_risk: 4,
            events: 0,
            censored: 4,
        },
    ];
    let test = log_rank(&[a, b]).unwrap();
    assert_close!(test.statistic, 225.0 / 97.0);
    assert_eq!(test.df, 1);
    assert_close!(test.p_value, 0.127_753_890_016_957_2, STATRS);
    assert_eq!(test.observed, vec![2, 0]);
    assert_close!(test.expected[0], 13.0 / 14.0);
    assert_close!(test.expected[1], 2.0 - 13.0 / 14.0);
}

#[test]
fn log_rank_matches_the_textbook_example() {
    // Freireich: Kleinbaum & Klein and R's survdiff give O = 9, 21; E = 19.25,
    // 10.75; χ² = 16.79 on 1 df, p = 4.17e-5.
    let (six_mp, placebo) = freireich();
    let groups = [day_counts(&six_mp, 36), day_counts(&placebo, 36)];
    let test = log_rank(&groups).unwrap();
    assert_eq!(test.observed, vec![9, 21]);
    assert_close!(test.expected[0], 19.250_500_948_031_13);
    assert_close!(test.expected[1], 10.749_499_051_968_87);
    assert_close!(test.statistic, 16.792_940_989_216_533);
    assert_eq!(test.df, 1);
    assert_close!(test.p_value / 4.168_809_109_334_542e-5, 1.0, STATRS);

    // Three groups (a made-up third): (O − E)ᵀV⁻¹(O − E) by matrix inverse in mpmath.
    let third: Vec<Life> = [(3, true), (5, true), (9, false), (12, true), (20, true)]
        .into_iter()
        .chain([(30, false), (35, false), (14, true)])
        .map(|(last_day, churned)| Life { last_day, churned })
        .collect();
    let three = [groups[0].clone(), groups[1].clone(), day_counts(&third, 36)];
    let test = log_rank(&three).unwrap();
    assert_eq!((test.df, test.observed.clone()), (2, vec![9, 21, 5]));
    assert_close!(test.statistic, 18.004_955_390_588_32);
    assert_close!(test.p_value, 1.231_044_106_879_677_8e-4, STATRS);

    // A group never at risk carries no information: it drops out of the degrees
    // of freedom and the statistic is the two-group one.
    let empty = vec![DayCounts::default(); 36];
    let with_empty = log_rank(&[groups[0].clone(), groups[1].clone(), empty]).unwrap();
    assert_eq!(with_empty.df, 1);
    assert_close!(with_empty.statistic, 16.792_940_989_216_533);
}

#[test]
fn log_rank_of_identical_groups_is_zero() {
    let (six_mp, _) = freireich();
    let days = day_counts(&six_mp, 36);
    // Equal counts make every E exactly the observed count: χ² = 0 exactly, p = 1.
    let test = log_rank(&[days.clone(), days.clone(), days]).unwrap();
    assert_eq!(test.statistic, 0.0);
    assert_eq!((test.df, test.p_value), (2, 1.0));
    // No events at all: nothing to test.
    let quiet = vec![
        DayCounts {
            at_risk: 5,
            events: 0,
            censored: 0
        };
        3
    ];
    let test = log_rank(&[quiet.clone(), quiet]).unwrap();
    assert_eq!((test.statistic, test.df, test.p_value), (0.0, 0, 1.0));
    // Errors: one group, groups of different lengths.
    assert!(matches!(
        log_rank(&[vec![DayCounts::default()]]),
        Err(StatsError::TooFew { .. })
    ));
    let short = vec![DayCounts::default(); 2];
    let long = vec![DayCounts::default(); 3];
    assert!(matches!(
        log_rank(&[short, long]),
        Err(StatsError::Inconsistent(_))
    ));
}

// ---------------------------------------------------------------- Kolmogorov–Smirnov

/// SplitMix64 (Steele, Lea & Flood 2014): a fixed-seed source of uniforms that
/// needs no dependency. Its output passes BigCrush.
struct SplitMix64(u64);

impl SplitMix64 {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn ks_statistic_by_hand() {
    // One value at 0.5: D = max(1 − 0.5, 0.5 − 0) = 0.5, p = P(K > 0.5).
    let test = ks_uniform(&[0.5]).unwrap();
    assert_eq!((test.n, test.statistic), (1, 0.5));
    assert_close!(test.p_value, 0.963_945_243_664_875_1, STATRS);
    // Quartiles 0.125, 0.375, 0.625, 0.875: the ECDF misses by 1/8 at each step.
    let test = ks_uniform(&[0.875, 0.125, 0.625, 0.375]).unwrap();
    assert_close!(test.statistic, 0.125, 1e-15);
    // Outside [0, 1] the uniform CDF is 0 or 1: everything at 2 gives D = 1.
    assert_eq!(ks_uniform(&[2.0, 3.0]).unwrap().statistic, 1.0);
    assert!(ks_uniform(&[]).is_err());
    assert!(ks_uniform(&[0.1, f64::NAN]).is_err());
}

#[test]
fn ks_accepts_uniform_and_rejects_skewed_samples() {
    let mut rng = SplitMix64(2024);
    // Under uniformity p is (asymptotically, and conservatively) uniform: of 400
    // tests of 500 values, about 5 % reject at 0.05. The count is Binomial(400, ≤0.05),
    // sd ≈ 4.4, so [5, 35] is more than 3 sd either side of 20; the seed is fixed.
    let rejections = (0..400)
        .filter(|_| {
            let sample: Vec<f64> = (0..500).map(|_| rng.uniform()).collect();
            ks_uniform(&sample).unwrap().p_value < 0.05
        })
        .count();
    assert!(
        (5..=35).contains(&rejections),
        "{rejections} of 400 rejected"
    );
    let big: Vec<f64> = (0..20_000).map(|_| rng.uniform()).collect();
    let test = ks_uniform(&big).unwrap();
    assert!(test.p_value > 0.01, "uniform sample rejected: {test:?}");
    // √n·D stays O(1) under the null: D ≈ 1/√20000 ≈ 0.007.
    assert!(test.statistic < 0.02);

    // U² has CDF √x: D → max(√x − x) = 1/4, √1000·D ≈ 7.9 and p ≈ 1e-54.
    let skewed: Vec<f64> = (0..1000).map(|_| rng.uniform().powi(2)).collect();
    let test = ks_uniform(&skewed).unwrap();
    assert!((test.statistic - 0.25).abs() < 0.05, "{test:?}");
    assert!(test.p_value < 1e-10, "{test:?}");
}

// ---------------------------------------------------------------- pairing

proptest::proptest! {
    /// On positively correlated arms with positive means, the paired intervals of
    /// the difference and of the relative lift are never wider than Welch's.
    #[test]
    fn paired_intervals_are_never_wider_on_positively_correlated_arms(
        base in proptest::collection::vec(0.0_f64..100.0, 3..200),
        noise in proptest::collection::vec(0.0_f64..50.0, 200),
        slope in 0.0_f64..3.0,
    ) {
        let pairs: Vec<(f64, f64)> =
            base.iter().zip(&noise).map(|(&a, &e)| (a + 1.0, slope * a + e + 1.0)).collect();
        let paired_stats = PairedStats::from_pairs(pairs.iter().copied());
        let (mean_a, var_a) = paired_stats.a.mean_variance("a").unwrap();
        let (mean_b, var_b) = paired_stats.b.mean_variance("b").unwrap();
        let (_, var_d) = paired_stats.differences.mean_variance("d").unwrap();
        let covariance = 0.5 * (var_a + var_b - var_d);
        proptest::prop_assume!(covariance >= 0.0 && mean_a > 0.0 && mean_b > 0.0);
        let paired = compare_paired(&paired_stats).unwrap();
        let welch = compare_means(&paired_stats.a, &paired_stats.b).unwrap();
        let width = |i: onboard::stats::Interval| i.high - i.low;
        let slack = 1e-9 * (1.0 + width(welch.difference));
        proptest::prop_assert!(width(paired.difference) <= width(welch.difference) + slack);
        let (paired_lift, welch_lift) = (paired.lift.unwrap(), welch.lift.unwrap());
        proptest::prop_assert!(width(paired_lift) <= width(welch_lift) + 1e-9 * (1.0 + width(welch_lift)));
    }
}

//! The tool's one seed rule: every seed of a run from the run seed.

/// The seeds of one run, all derived from the run seed `s`: the validation cohort,
/// the test cohort and training cohort `k` (1, 2, …; a launch is cohort 1).
///
/// The rule: seed = `r + i (mod 2⁶⁴)` with `r = s·2³²` (exactly: `s` with its two
/// 32-bit halves swapped, the same for `s < 2³²`) and the index `i` = 0 for
/// validation, 1 for test, `k + 2` for training cohort `k`.
///
/// - Within a run the seeds are pairwise distinct for every `k < 2⁶⁴ − 2`: distinct
///   indices below 2⁶⁴ are distinct modulo 2⁶⁴.
/// - Two runs whose seeds `s ≠ s'` are both below 2³² never share a seed while
///   `k < 2³² − 2`: then `i < 2³²`, so the seed's high half is `s` and its low half
///   is `i`, and the seed gives back both.
/// - Seeds of the environment are keyed through a hash with the user id, so
///   neighbouring seeds give unrelated users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSeeds {
    run: u64,
}

impl RunSeeds {
    /// The seeds of the run seeded with `run`.
    pub fn new(run: u64) -> Self {
        Self { run }
    }

    /// The run seed.
    pub fn run(&self) -> u64 {
        self.run
    }

    /// The seed of the validation cohort, which chooses the snapshot.
    pub fn validation(&self) -> u64 {
        self.seed(0)
    }

    /// The seed of the test cohort, which reports the chosen snapshot.
    pub fn test(&self) -> u64 {
        self.seed(1)
    }

    /// The seed of training cohort `cohort` (1, 2, …).
    pub fn training(&self, cohort: u64) -> u64 {
        self.seed(cohort.wrapping_add(2))
    }

    fn seed(&self, index: u64) -> u64 {
        self.run.rotate_left(32).wrapping_add(index)
    }
}

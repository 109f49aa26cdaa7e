//! The cohort stepper allocates per day, never per user-day: a counting allocator
//! shows the same number of allocations for a cohort twenty times larger.

use onboard_envs::{Cohort, Model, Scenario};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made while stepping a cohort of `users` after its first day
/// (the first day sizes the buffers once).
fn allocations_after_first_day(model: &Arc<Model>, users: usize) -> (usize, u32) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    pool.install(|| {
        let mut cohort = Cohort::fixed(Arc::clone(model), 5, users);
        let mut actions = vec![3; users];
        cohort.step(&actions).expect("valid");
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let mut days = 0;
        while !cohort.is_finished() {
            let live = cohort.observations().nrows();
            actions.truncate(live);
            cohort.step(&actions).expect("valid");
            days += 1;
        }
        (ALLOCATIONS.load(Ordering::Relaxed) - before, days)
    })
}

#[test]
fn stepping_allocates_per_day_not_per_user_day() {
    let model = Arc::new(Model::new(Scenario::builtin("default").expect("valid")).expect("valid"));
    let (small, small_days) = allocations_after_first_day(&model, 2_048);
    let (large, large_days) = allocations_after_first_day(&model, 40_960);
    assert_eq!(small_days, large_days);
    // The large cohort runs about 350,000 user-days; one allocation per user-day
    // would add that many. A few per day (the work list, the chunk sums) is the design.
    let per_day = large as f64 / f64::from(large_days);
    assert!(per_day <= 4.0, "{large} allocations over {large_days} days");
    assert!(
        large <= small + 2 * large_days as usize,
        "{large} vs {small}"
    );
}

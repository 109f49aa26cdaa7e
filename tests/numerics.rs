//! One seed, one DQN, whatever the processor: the program pins libtorch's CPU
//! numerics itself (`onboard_agents::dqn::numerics`), so neither the kernel level
//! a processor offers nor one forced from the user's shell changes a weight.
//!
//! Before the pinning, on this machine (AMD EPYC with AVX-512), the same small
//! training gave four different networks: one with ATen's portable kernels, one
//! with its AVX2 or AVX-512 ones, and two more with MKL's compatible or automatic
//! code path. An Intel Xeon gave yet others.

use onboard_agents::dqn::Dqn;
use onboard_envs::{Cohort, Model, Scenario};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// The kernel levels forced from outside: ATen's (`ATEN_CPU_CAPABILITY`) and MKL's
/// (`MKL_CBWR`), each level this kind of machine (x86-64 with AVX-512) supports;
/// `None` leaves the variable unset.
const LEVELS: [(Option<&str>, Option<&str>); 5] = [
    (None, None),
    (Some("default"), Some("COMPATIBLE")),
    (Some("avx2"), Some("AVX2")),
    (Some("avx512"), Some("AVX512")),
    (Some("avx512"), Some("AUTO")),
];

/// FNV-1a, 64 bits, over the bits of `values`.
fn digest(values: &[f32]) -> u64 {
    values
        .iter()
        .flat_map(|v| v.to_bits().to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// A digest of the trained network in `checkpoint`: its Q-values, bit for bit, on
/// the signup-day observations of 500 users of `default` (the weights alone, not
/// the file's layout).
fn network_digest(checkpoint: &Path) -> u64 {
    let dqn = Dqn::load(checkpoint).expect("a DQN checkpoint");
    let model =
        Arc::new(Model::new(Scenario::builtin("default").expect("built in")).expect("valid"));
    let cohort = Cohort::fixed(model, 99, 500);
    digest(&dqn.q_values(cohort.observations()))
}

/// Trains the shipped DQN briefly (2 cohorts of 300 users, 18,600 user-days, about
/// 280 gradient steps) with the kernel levels forced as `levels` say; the digest of
/// its network.
fn trained_digest(levels: (Option<&str>, Option<&str>), out: &Path) -> u64 {
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("agents/configs/dqn.ron");
    let mut command = Command::new(env!("CARGO_BIN_EXE_onboard"));
    command.args(["train", "default", "--agent"]).arg(&agent);
    command.args(["--cohorts", "2", "--users", "300", "--eval-users", "200"]);
    command.args(["--eval-every", "0", "--seed", "3", "--quiet", "--out"]);
    command.arg(out);
    for (variable, level) in [("ATEN_CPU_CAPABILITY", levels.0), ("MKL_CBWR", levels.1)] {
        match level {
            Some(level) => command.env(variable, level),
            None => command.env_remove(variable),
        };
    }
    let output = command.output().expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    network_digest(&out.join("checkpoint.ot"))
}

#[test]
fn dqn_training_does_not_depend_on_the_kernel_level() {
    let dir = tempfile::tempdir().expect("temp dir");
    let digests: Vec<u64> = LEVELS
        .iter()
        .enumerate()
        .map(|(i, &levels)| trained_digest(levels, &dir.path().join(i.to_string())))
        .collect();
    for (levels, digest) in LEVELS.iter().zip(&digests) {
        assert_eq!(
            *digest, digests[0],
            "forcing {levels:?} changed the trained network"
        );
    }
    // The same network on every x86-64 machine: recorded on an AMD EPYC with
    // AVX-512. A different value here, with the same code, means the pinning
    // missed a code path on this processor.
    assert_eq!(
        digests[0], EXPECTED,
        "the trained network differs from the reference machine's"
    );
}

/// The digest of [`dqn_training_does_not_depend_on_the_kernel_level`]'s network.
const EXPECTED: u64 = 8_374_053_236_549_384_251;

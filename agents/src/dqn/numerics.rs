//! One seed, one network, on any x86-64 processor: libtorch's CPU numerics pinned.
//!
//! libtorch chooses its CPU code by the processor it finds, and each choice adds
//! and rounds in its own order, so the same seed used to train a different
//! network on another machine (and a different rounding grew into a different
//! policy). Three libraries choose:
//!
//! - **ATen** dispatches its elementwise and reduction kernels (the ReLU, the
//!   dueling mean, the loss, the gradient norm, Adam's arithmetic) to an AVX-512,
//!   AVX2 or portable build by the processor's capability. It reads
//!   `ATEN_CPU_CAPABILITY` once, at its first dispatch; [`pin`] sets it to
//!   `default`, the portable build.
//! - **MKL** runs the matrix products and picks its code path by instruction set
//!   (and by vendor). Its conditional numerical reproducibility
//!   (`mkl_cbwr_set`, exported by `libtorch_cpu` as `mkl_serv_cbwr_set`) fixes
//!   the path to one every x86-64 processor runs; it only takes effect before
//!   MKL's first call, and [`pin`] checks that it did.
//! - **oneDNN** is not on DQN's path (float matrix products go to MKL); its
//!   instruction-set limit is set too (`ONEDNN_MAX_CPU_ISA`), so that no later
//!   operation brings the processor back in.
//!
//! One thread: a thread count changes the order of MKL's and ATen's sums too.
//! Elementwise functions of the inputs (the log scaling) are computed in Rust,
//! not by libtorch's vectorised ones, so the processor plays no part there either.
//!
//! What the pinning costs and what it fixes is measured in the note; the
//! test `dqn_training_does_not_depend_on_the_kernel_level` in `tests/numerics.rs`
//! runs the same training with each kernel level forced from outside and asserts
//! one result.

use std::ffi::{CStr, c_int, c_void};
use std::sync::OnceLock;

/// The level ATen's kernels are pinned to.
const ATEN_LEVEL: &str = "default";
/// The instruction-set limit for oneDNN: what every x86-64 processor since 2008 has.
const ONEDNN_LEVEL: &str = "SSE41";
/// `MKL_CBWR_COMPATIBLE | MKL_CBWR_STRICT` (mkl_service.h: 3 and 0x10000): the code
/// path every Intel and compatible processor runs, with strict reproducibility.
const MKL_COMPATIBLE_STRICT: c_int = 3 | 0x10000;
/// `MKL_CBWR_SUCCESS`.
const MKL_SUCCESS: c_int = 0;

/// How the pinning went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinning {
    /// MKL's code path: pinned, or why not (no MKL in this libtorch, or it was
    /// called before the pinning).
    pub mkl: Result<(), String>,
}

/// Pins libtorch's CPU numerics (see the module doc), once per process, before
/// libtorch's first operation; every later call returns the first outcome. Every
/// entry point of this crate that makes a tensor calls it first.
pub fn pin() -> &'static Pinning {
    static PINNED: OnceLock<Pinning> = OnceLock::new();
    PINNED.get_or_init(|| {
        // SAFETY: `set_var` races only with code that reads the environment from
        // C at the same time. Nothing in this process has touched libtorch yet
        // (this runs before its first operation, and every caller waits here),
        // and Rust's own readers take the environment lock.
        unsafe {
            std::env::set_var("ATEN_CPU_CAPABILITY", ATEN_LEVEL);
            std::env::set_var("ONEDNN_MAX_CPU_ISA", ONEDNN_LEVEL);
        }
        let mkl = pin_mkl();
        tch::set_num_threads(1);
        Pinning { mkl }
    })
}

/// Sets MKL's reproducible code path through the symbol `libtorch_cpu` exports,
/// looked up at run time so that a libtorch without MKL (another platform) still
/// loads.
fn pin_mkl() -> Result<(), String> {
    const SYMBOL: &CStr = c"mkl_serv_cbwr_set";
    // SAFETY: dlsym with RTLD_DEFAULT searches the libraries already loaded (torch-sys
    // links libtorch_cpu into every program of this crate) for a NUL-terminated name.
    let address: *mut c_void = unsafe { libc::dlsym(libc::RTLD_DEFAULT, SYMBOL.as_ptr()) };
    if address.is_null() {
        return Err("this libtorch has no MKL (mkl_serv_cbwr_set not found)".to_string());
    }
    // SAFETY: mkl_serv_cbwr_set is MKL's `int mkl_cbwr_set(int settings)`.
    let set: extern "C" fn(c_int) -> c_int = unsafe { std::mem::transmute(address) };
    match set(MKL_COMPATIBLE_STRICT) {
        MKL_SUCCESS => Ok(()),
        code => Err(format!(
            "mkl_cbwr_set refused the compatible path (code {code}): MKL ran before the pinning"
        )),
    }
}

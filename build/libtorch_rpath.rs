//! Build script shared by the crates whose programs link libtorch.
//!
//! torch-sys links libtorch but leaves no run-time path to it, so a program would only
//! start with `LD_LIBRARY_PATH` set. Recording `$LIBTORCH/lib` as an rpath lets the
//! built binaries, tests and benchmarks run from any shell.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(libtorch) = std::env::var("LIBTORCH") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{libtorch}/lib");
    }
}

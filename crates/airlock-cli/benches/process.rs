//! Whole-process benchmark: `cargo bench -p airlock-cli --bench process`.
//!
//! Wall time of `airlock run hello.wasm` and of `airlock python -c 'print(1)'` as a user runs
//! them, with a warm compiled-code cache; and, for comparison, the real interpreter
//! (`sys.executable -S -c 'print(1)'` of the host's python3, resolved past any shim).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Median, p90 and min of `n` timed runs of `f`, after a few warm-up runs.
fn measure(n: usize, mut f: impl FnMut() -> Duration) -> (Duration, Duration, Duration) {
    for _ in 0..20 {
        f();
    }
    let mut samples: Vec<Duration> = (0..n).map(|_| f()).collect();
    samples.sort();
    (
        samples[samples.len() / 2],
        samples[samples.len() * 9 / 10],
        samples[0],
    )
}

fn timed(cmd: &mut Command, expect: &[u8]) -> Duration {
    let t = Instant::now();
    let o = cmd.stdin(Stdio::null()).output().unwrap();
    let took = t.elapsed();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, expect);
    took
}

fn python_figures() {
    // The installed guest, with the user's cache (where its compiled code is).
    let airlock = || {
        timed(
            Command::new(env!("CARGO_BIN_EXE_airlock"))
                .args(["python", "-c", "print(1)"])
                .env_remove("RUST_BACKTRACE"),
            b"1\n",
        )
    };
    let (med, p90, min) = measure(200, airlock);
    println!(
        "`airlock python -c 'print(1)'`, whole process, warm cache: median {}, p90 {}, min {}",
        ms(med),
        ms(p90),
        ms(min)
    );
    let exe = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(exe) = exe {
        let (native, _, _) = measure(200, || {
            timed(Command::new(&exe).args(["-S", "-c", "print(1)"]), b"1\n")
        });
        println!(
            "`{exe} -S -c 'print(1)'` (native CPython): median {}; airlock python / native = {:.2}",
            ms(native),
            med.as_secs_f64() / native.as_secs_f64()
        );
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wat = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/guests/hello.wat");
    let wasm = dir.path().join("hello.wasm");
    std::fs::write(&wasm, wat::parse_file(&wat).unwrap()).unwrap();
    let run = || {
        let t = Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_airlock"))
            .arg("run")
            .arg(&wasm)
            .env("AIRLOCK_CACHE_DIR", dir.path().join("cache"))
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let took = t.elapsed();
        assert!(o.status.success());
        assert_eq!(o.stdout, b"hello\n");
        took
    };
    run(); // fills the cache
    let (med, p90, min) = measure(300, run);
    println!(
        "`airlock run hello.wasm`, whole process, warm cache: median {}, p90 {}, min {}",
        ms(med),
        ms(p90),
        ms(min)
    );
    python_figures();
}

//! Whole-process benchmark: `cargo bench -p airlock-cli --bench process`.
//!
//! Wall time of `airlock run hello.wasm` as a user runs it, with a warm compiled-code cache.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    for _ in 0..20 {
        run();
    }
    let mut samples: Vec<Duration> = (0..300).map(|_| run()).collect();
    samples.sort();
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!(
        "`airlock run hello.wasm`, whole process, warm cache: median {}, p90 {}, min {}  ({} runs)",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 9 / 10]),
        ms(samples[0]),
        samples.len()
    );
}

//! Script analysis benchmark: `cargo bench -p airlock-cli --bench js`.
//!
//! Whole-process wall time and peak resident memory of `airlock js --env browser FILE` (read,
//! decode, start QuickJS, emulate a page, run the script, fire the page's events, extract the
//! indicators) for scripts of 100 KB, 1 MB and 10 MB, with a warm compiled-code cache, in the
//! two shapes of `benches/js_shapes.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, unsafe_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../benches/js_shapes.rs"]
mod js_shapes;
use js_shapes::{SHAPES, SIZES};

/// One whole-process run: wall time and the child's peak resident memory (KiB).
fn run(file: &std::path::Path) -> (Duration, i64) {
    let t = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["js", "--env", "browser", "--json", "--timeout", "60s"])
        .arg(file)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter; `pid` is our own unwaited child (the
    // `Child` handle is not waited on afterwards).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let took = t.elapsed();
    assert_eq!(r, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{status}"
    );
    drop(child);
    (took, usage.ru_maxrss)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // `scripts/compare-js-engines` takes the same scripts from here.
    if let Some(dir) = std::env::var_os("AIRLOCK_WRITE_SHAPES") {
        for (shape, make) in SHAPES {
            for (_, size, _) in SIZES {
                let file = std::path::Path::new(&dir).join(format!("{shape}-{size}.js"));
                std::fs::write(file, make(size)).unwrap();
            }
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A cold compile must not count: the first run warms the cache.
    let warm = dir.path().join("warm.js");
    std::fs::write(&warm, "1").unwrap();
    run(&warm);
    println!(
        "`airlock js --env browser FILE`, whole process, warm cache (median of n runs; peak RSS):"
    );
    for (shape, make) in SHAPES {
        for (label, size, n) in SIZES {
            let file = dir.path().join(format!("{shape}-{size}.js"));
            let text = make(size);
            std::fs::write(&file, &text).unwrap();
            run(&file);
            let mut samples: Vec<(Duration, i64)> = (0..n).map(|_| run(&file)).collect();
            samples.sort();
            let (med, _) = samples[n / 2];
            let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
            println!(
                "  {shape:<6} {label:>6} ({:>5.2} MB): median {:>8.2} ms, min {:>8.2} ms, peak RSS {:>6.1} MB",
                text.len() as f64 / 1e6,
                med.as_secs_f64() * 1e3,
                samples[0].0.as_secs_f64() * 1e3,
                peak as f64 / 1024.0
            );
        }
    }
}

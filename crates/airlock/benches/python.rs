//! Python guest benchmarks, printing figures: `cargo bench -p airlock --bench python`.
//! Needs the guest (`airlock install python`).
//!
//! - fresh sandbox running `print("hello")`, in-process, one thread (median, p99), without and
//!   with fuel metering
//! - a call in a live session (median, p99)
//! - fresh sandboxes per second with 1 and 2 threads sharing one `Sandbox`, and with 2 processes
//! - marginal memory per live session (private, and RSS), and what the pool keeps once they end
//! - minor page faults per fresh run
//! - the default memory kept resident (8 MiB where the kernel has `PAGEMAP_SCAN`) against
//!   64 KiB, alternated in one process: fresh-sandbox throughput with 1 and 2 threads

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use airlock::guest::{self, GuestKind};
use airlock::python::{Python, Source};
use airlock::{RunRequest, Sandbox, SandboxConfig, Status};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn hello(python: &Python) {
    let o = python
        .run(&Source::inline("print(\"hello\")"), RunRequest::default())
        .unwrap();
    assert_eq!(o.status, Status::Exited { code: 0 }, "{o:?}");
    assert_eq!(o.stdout.bytes, b"hello\n");
}

fn timed(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v
}

fn report(what: &str, v: &[Duration]) {
    println!(
        "{what}: median {}, p99 {}, min {} ({} samples)",
        ms(percentile(v, 0.5)),
        ms(percentile(v, 0.99)),
        ms(v[0]),
        v.len()
    );
}

fn throughput(python: &Python, threads: usize, dur: Duration) -> f64 {
    let start = Instant::now();
    let total: u64 = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| {
                    let mut n = 0u64;
                    while start.elapsed() < dur {
                        hello(python);
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

/// Fresh sandboxes per second from `procs` worker processes (this bench re-run with
/// `AIRLOCK_BENCH_WORKER` set), each with one `Sandbox` on one thread: how a server shards
/// across cores. The workers load and warm up, then all start together on a line from the parent.
fn throughput_processes(procs: usize, dur: Duration) -> f64 {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    let exe = std::env::current_exe().unwrap();
    let mut workers: Vec<_> = (0..procs)
        .map(|_| {
            let mut child = Command::new(&exe)
                .arg("--bench")
                .env("AIRLOCK_BENCH_WORKER", dur.as_millis().to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let out = BufReader::new(child.stdout.take().unwrap());
            (child, out)
        })
        .collect();
    let mut line = String::new();
    for (_, out) in &mut workers {
        line.clear();
        out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
    }
    for (child, _) in &mut workers {
        writeln!(child.stdin.as_mut().unwrap(), "go").unwrap();
    }
    let mut total = 0.0;
    for (mut child, mut out) in workers {
        line.clear();
        out.read_line(&mut line).unwrap();
        total += line.trim().parse::<f64>().unwrap();
        assert!(child.wait().unwrap().success());
    }
    total
}

/// The worker side of [`throughput_processes`]: prints `ready`, waits for a line, runs fresh
/// sandboxes for the given time and prints how many per second.
fn worker(python: &Python, millis: &str) {
    use std::io::BufRead;
    for _ in 0..50 {
        hello(python);
    }
    println!("ready");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    let dur = Duration::from_millis(millis.parse().unwrap());
    println!("{}", throughput(python, 1, dur));
}

fn minflt() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after.split_whitespace().nth(7).unwrap().parse().unwrap()
}

/// Resident (`Rss`) and private (`Private_Clean + Private_Dirty`, what only this process holds)
/// bytes, from /proc/self/smaps_rollup. Pages of the compiled guest's memory image are shared
/// page cache: every instance maps them, each counts them in its RSS, none owns them.
fn memory() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap();
    let field = |name: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap()
            .parse::<u64>()
            .unwrap()
            * 1024
    };
    (
        field("Rss:"),
        field("Private_Clean:") + field("Private_Dirty:"),
    )
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // As `airlock python` runs it: without fuel metering (the timeout bounds a run). One figure
    // below is also taken with the library's default `SandboxConfig`, which meters fuel.
    let sandbox = Sandbox::new(SandboxConfig {
        fuel_metering: false,
        ..SandboxConfig::default()
    })
    .unwrap();
    let guest = guest::find(GuestKind::Python, None).unwrap();
    let t = Instant::now();
    let python = Python::load(&sandbox, &guest).unwrap();
    if let Ok(millis) = std::env::var("AIRLOCK_BENCH_WORKER") {
        return worker(&python, &millis);
    }
    println!("load (compiled code from the cache): {}", ms(t.elapsed()));

    for _ in 0..200 {
        hello(&python);
    }
    let f0 = minflt();
    report(
        "fresh sandbox print(\"hello\")",
        &timed(2000, || hello(&python)),
    );
    println!(
        "minor page faults per fresh run: {}",
        (minflt() - f0) / 2000
    );
    {
        let metered = Sandbox::new(SandboxConfig::default()).unwrap();
        let python = Python::load(&metered, &guest).unwrap();
        for _ in 0..200 {
            hello(&python);
        }
        report(
            "fresh sandbox print(\"hello\"), with fuel metering",
            &timed(2000, || hello(&python)),
        );
    }

    let mut session = python.session(RunRequest::default()).unwrap();
    session.exec("x = 0").unwrap();
    for _ in 0..500 {
        session.exec("x += 1").unwrap();
    }
    report(
        "session call `x += 1`",
        &timed(5000, || {
            let o = session.exec("x += 1").unwrap();
            assert_eq!(o.status, Status::Exited { code: 0 });
        }),
    );
    report(
        "session call print(\"hello\")",
        &timed(5000, || {
            let o = session.exec("print(\"hello\")").unwrap();
            assert_eq!(o.stdout.bytes, b"hello\n");
        }),
    );
    drop(session);

    for threads in [1, 2] {
        println!(
            "fresh sandboxes per second, {threads} thread(s): {:.0}",
            throughput(&python, threads, Duration::from_secs(3))
        );
    }
    // Threads of one process share its page tables: every copy-on-write fault a guest takes
    // must be flushed from the other core's TLB (an IPI, costly in a VM). Processes do not.
    println!(
        "fresh sandboxes per second, 2 processes of 1 thread: {:.0}",
        throughput_processes(2, Duration::from_secs(3))
    );

    const N: usize = 50;
    let (rss0, private0) = memory();
    let sessions: Vec<_> = (0..N)
        .map(|_| {
            let mut s = python.session(RunRequest::default()).unwrap();
            let o = s
                .exec("import json; x = json.dumps(list(range(100))); print('ok')")
                .unwrap();
            assert_eq!(o.stdout.bytes, b"ok\n");
            s
        })
        .collect();
    let (rss1, private1) = memory();
    let per = |a: u64, b: u64| b.saturating_sub(a) as f64 / N as f64 / 1e6;
    println!(
        "marginal memory per live session ({N} sessions, each ran a json snippet): private {:.2} MB, RSS {:.2} MB (RSS counts the shared page cache of the memory image in every session)",
        per(private0, private1),
        per(rss0, rss1)
    );
    drop(sessions);
    let (_, private2) = memory();
    println!(
        "after they ended, memory the pool keeps resident per slot they used: private {:.2} MB (memory_keep_resident {} KiB)",
        per(private0, private2),
        sandbox.config().memory_keep_resident >> 10
    );

    // What the default memory kept resident buys, against 64 KiB: the two alternated batch by
    // batch in one process, so that both see the same machine.
    let small = Sandbox::new(SandboxConfig {
        fuel_metering: false,
        memory_keep_resident: 64 << 10,
        ..SandboxConfig::default()
    })
    .unwrap();
    let small = Python::load(&small, &guest).unwrap();
    for threads in [1, 2] {
        let (mut kept, mut unkept) = (Vec::new(), Vec::new());
        for round in 0..12 {
            let dur = Duration::from_millis(500);
            let (python, into) = if round % 2 == 0 {
                (&python, &mut kept)
            } else {
                (&small, &mut unkept)
            };
            into.push(throughput(python, threads, dur));
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[v.len() / 2] + v[(v.len() - 1) / 2]) / 2.0
        };
        println!(
            "fresh sandboxes per second, {threads} thread(s), alternated: memory kept resident {} KiB (the default here) {:.0}, 64 KiB {:.0}",
            sandbox.config().memory_keep_resident >> 10,
            median(&mut kept),
            median(&mut unkept)
        );
    }
}

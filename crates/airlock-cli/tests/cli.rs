//! The `airlock` command as a user runs it: exit codes, messages, JSON, mounts, cache.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

fn guest(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/guests")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// `airlock ARGS` with a private cache directory and a clean environment.
fn airlock_in(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(args)
        .env("AIRLOCK_CACHE_DIR", cache)
        .env("AIRLOCK_TEST_SECRET", "hunter2")
        .stdin(Stdio::null())
        .output()
        .expect("spawn airlock")
}

fn airlock(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    airlock_in(dir.path(), args)
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn runs_hello_and_forwards_stdout() {
    let o = airlock(&["run", &guest("hello.wat")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(o.stdout, b"hello\n");
    assert!(o.stderr.is_empty());
}

#[test]
fn guest_exit_code_becomes_airlocks() {
    assert_eq!(code(&airlock(&["run", &guest("exit_code.wat")])), 42);
}

#[test]
fn every_failure_class_has_its_exit_code_and_one_line_message() {
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["run", "--timeout", "100ms", &guest("loop.wat")],
            124,
            "timeout",
        ),
        (
            &["run", "--fuel", "100000", &guest("loop.wat")],
            152,
            "fuel exhausted",
        ),
        (
            &["run", "--memory", "32MiB", &guest("memory_bomb.wat")],
            137,
            "memory limit",
        ),
        (
            &["run", "--max-output", "64KiB", &guest("flood.wat")],
            153,
            "output limit",
        ),
        (
            &[
                "run",
                "--max-handles",
                "50",
                "--ro-dir",
                env!("CARGO_MANIFEST_DIR"),
                &guest("fd_hoard.wat"),
            ],
            154,
            "handle limit: the guest asked for more than 50 host handles",
        ),
        (&["run", &guest("table_bomb.wat")], 154, "table limit"),
        (
            &["run", &guest("unreachable.wat")],
            134,
            "trap (unreachable)",
        ),
        (
            &["run", &guest("recurse.wat")],
            134,
            "trap (stack_overflow)",
        ),
        (&["run", "/nonexistent.wasm"], 66, "cannot read"),
        (
            &["run", "--dir", "/nonexistent-dir", &guest("hello.wat")],
            78,
            "cannot mount",
        ),
        (
            &["run", "--timeout", "soon", &guest("hello.wat")],
            64,
            "--timeout",
        ),
        (
            &["run", "--memory", "lots", &guest("hello.wat")],
            64,
            "--memory",
        ),
        (&["frobnicate"], 64, "unrecognized subcommand"),
    ];
    for (args, expected, needle) in cases {
        let o = airlock(args);
        assert_eq!(code(&o), *expected, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn load_failures_have_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    };
    let noentry = write("noentry.wat", r#"(module (func (export "main")))"#);
    let unknown = write(
        "unknown.wat",
        r#"(module (import "env" "evil" (func)) (func (export "_start")))"#,
    );
    let notwasm = write("notwasm.wasm", "#!/bin/sh\necho hi\n");
    let o = airlock(&["run", &noentry]);
    assert_eq!(code(&o), 67, "{}", stderr(&o));
    assert!(stderr(&o).contains("no `_start` export"));
    let o = airlock(&["run", &unknown]);
    assert_eq!(code(&o), 68, "{}", stderr(&o));
    assert!(stderr(&o).contains("`env::evil`"));
    let o = airlock(&["run", &notwasm]);
    assert_eq!(code(&o), 65, "{}", stderr(&o));
    assert!(stderr(&o).contains("#! line"));
}

#[test]
fn trap_messages_carry_a_short_backtrace() {
    let o = airlock(&["run", &guest("unreachable.wat")]);
    assert!(stderr(&o).contains("#0 boom @ 0x"), "{}", stderr(&o));
}

#[test]
fn json_outcome_replaces_forwarded_streams() {
    let o = airlock(&["run", "--json", &guest("hello.wat")]);
    assert_eq!(code(&o), 0);
    let v = json(&o);
    assert_eq!(v["status"]["kind"], "exited");
    assert_eq!(v["stdout"], "hello\n");
    let o = airlock(&["run", "--json", "--timeout", "50ms", &guest("loop.wat")]);
    assert_eq!(code(&o), 124);
    assert_eq!(
        json(&o)["status"],
        serde_json::json!({"kind": "timeout", "limit_ms": 50})
    );
    let o = airlock(&["run", "--json", "/nonexistent.wasm"]);
    assert_eq!(code(&o), 66);
    assert_eq!(json(&o)["status"]["kind"], "io");
}

#[test]
fn output_truncation_is_reported_in_json() {
    let o = airlock(&["run", "--json", "--max-output", "1KiB", &guest("flood.wat")]);
    assert_eq!(code(&o), 153);
    let v = json(&o);
    assert_eq!(v["stdout_truncated"], true);
    assert_eq!(v["stdout"].as_str().unwrap().len(), 1024);
}

#[test]
fn host_environment_is_hidden_and_env_flags_grant() {
    let o = airlock(&["run", &guest("probe.wat"), "--", "e"]);
    assert_eq!(code(&o), 0);
    assert!(
        o.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = airlock(&[
        "run",
        "--env",
        "A=1",
        "--env",
        "AIRLOCK_TEST_SECRET",
        &guest("probe.wat"),
        "--",
        "e",
    ]);
    assert_eq!(o.stdout, b"A=1\0AIRLOCK_TEST_SECRET=hunter2\0");
}

#[test]
fn dirs_are_mounted_read_write_and_read_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "mounted\n").unwrap();
    let rw = format!("{}::/data", dir.path().display());
    let o = airlock(&[
        "run",
        "--dir",
        &rw,
        &guest("probe.wat"),
        "--",
        "r",
        "in.txt",
    ]);
    assert_eq!(o.stdout, b"mounted\n", "{}", stderr(&o));
    let o = airlock(&[
        "run",
        "--dir",
        &rw,
        &guest("probe.wat"),
        "--",
        "w",
        "out.txt",
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(
        std::fs::read(dir.path().join("out.txt")).unwrap(),
        b"pwned\n"
    );
    let o = airlock(&[
        "run",
        "--ro-dir",
        &rw,
        &guest("probe.wat"),
        "--",
        "w",
        "denied.txt",
    ]);
    assert_eq!(code(&o), 1);
    assert!(!dir.path().join("denied.txt").exists());
    let o = airlock(&["run", &guest("probe.wat"), "--", "r", "/etc/passwd"]);
    assert_eq!(
        (code(&o), o.stdout.as_slice()),
        (1, b"errno=8\n".as_slice())
    );
}

#[test]
fn stdin_is_passed_through_or_read_from_a_file() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["run", "--no-cache", &guest("cat.wat")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"piped in\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.stdout, b"piped in\n");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("input.txt");
    std::fs::write(&f, "from a file\n").unwrap();
    let o = airlock(&["run", "--stdin", f.to_str().unwrap(), &guest("cat.wat")]);
    assert_eq!(o.stdout, b"from a file\n");
}

#[test]
fn validate_explains_the_seed_module() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("test.wasm");
    std::fs::write(
        &seed,
        [
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
            0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74,
            0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
        ],
    )
    .unwrap();
    let o = airlock(&["validate", seed.to_str().unwrap()]);
    assert_eq!(code(&o), 65);
    let msg = stderr(&o);
    assert!(
        msg.contains("invalid leading byte (0x72) for external kind"),
        "{msg}"
    );
    assert!(
        msg.contains("byte offset 26") && msg.contains("export section"),
        "{msg}"
    );
    let o = airlock(&["validate", "--json", seed.to_str().unwrap()]);
    let v = json(&o);
    assert_eq!(v["status"]["detail"]["offset"], 26);
    assert_eq!(v["status"]["detail"]["section"], "export");

    let o = airlock(&["validate", &guest("hello.wat")]);
    assert_eq!(code(&o), 0);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("valid WASI preview 1 command module") && out.contains("fd_write"),
        "{out}"
    );
    let o = airlock(&["validate", &guest("component_ok.wat")]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("preview 2 command component"));
}

fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(sub.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if f.path().extension().is_some_and(|e| e == "cwasm") {
                out.push(f.path());
            }
        }
    }
    out
}

#[test]
fn cache_is_used_heals_and_clears() {
    let cache = tempfile::tempdir().unwrap();
    let hello = guest("hello.wat");
    assert_eq!(code(&airlock_in(cache.path(), &["run", &hello])), 0);
    let entries = cache_entries(cache.path());
    assert_eq!(entries.len(), 1);
    let info = airlock_in(cache.path(), &["cache", "info"]);
    assert!(String::from_utf8_lossy(&info.stdout).contains("entries: 1"));

    // A truncated entry is detected, removed and rebuilt; the run is unaffected.
    let good = std::fs::read(&entries[0]).unwrap();
    std::fs::write(&entries[0], &good[..good.len() / 2]).unwrap();
    let o = airlock_in(cache.path(), &["run", &hello]);
    assert_eq!((code(&o), o.stdout.as_slice()), (0, b"hello\n".as_slice()));
    assert_eq!(std::fs::read(&entries[0]).unwrap(), good);

    // An entry of the right length that is not compiled code (its header is damaged) too.
    // (Damage deeper inside an entry is not looked for: entries are memory-mapped, not
    // checksummed on every load; see cache.rs.)
    let mut bad = good.clone();
    bad[..4].copy_from_slice(b"junk");
    std::fs::write(&entries[0], &bad).unwrap();
    let o = airlock_in(cache.path(), &["run", &hello]);
    assert_eq!((code(&o), o.stdout.as_slice()), (0, b"hello\n".as_slice()));
    assert_eq!(std::fs::read(&entries[0]).unwrap(), good);

    let o = airlock_in(cache.path(), &["cache", "clear"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("removed 1"));
    assert!(cache_entries(cache.path()).is_empty());
}

#[test]
fn concurrent_processes_share_one_cache_safely() {
    let cache = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_airlock"))
                .args(["run", &guest("probe.wat"), "--", "e"])
                .env("AIRLOCK_CACHE_DIR", cache.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(code(&o), 0);
    }
    assert_eq!(cache_entries(cache.path()).len(), 1);
    // No temporary files are left behind.
    let leftovers: usize = std::fs::read_dir(cache.path())
        .unwrap()
        .flatten()
        .map(|d| std::fs::read_dir(d.path()).unwrap().count())
        .sum();
    assert_eq!(leftovers, 2, "one .cwasm and one .sum");
}

#[test]
fn a_huge_input_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.wasm");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let o = airlock(&["run", big.to_str().unwrap()]);
    assert_eq!(code(&o), 65);
    assert!(
        stderr(&o).contains("refused without reading it"),
        "{}",
        stderr(&o)
    );
}

fn behave_mount() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "input data\n").unwrap();
    let spec = format!("{}::/data", dir.path().display());
    (dir, spec)
}

#[test]
fn the_live_trace_stops_at_max_events_and_says_so() {
    // A million clock reads: the trace shows the first 100, then one line for the rest.
    let o = airlock(&[
        "run",
        "--trace",
        "--max-events",
        "100",
        &guest("many_calls.wat"),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 101, "{}", &err[..err.len().min(2000)]);
    assert!(lines[99].contains("#99 clock_time_get"), "{}", lines[99]);
    assert!(
        lines[100].contains("further calls are not shown (--max-events 100)"),
        "{}",
        lines[100]
    );
}

#[test]
fn trace_prints_one_line_per_host_call() {
    let (_dir, mount) = behave_mount();
    let o = airlock(&["run", "--trace", "--dir", &mount, &guest("behave.wat")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("airlock-trace: "))
        .collect();
    assert_eq!(lines.len(), 15, "{err}");
    assert!(
        lines[0].contains(r#"#0 path_open(fd=3, path="in.txt", read) = ok: fd=4"#),
        "{}",
        lines[0]
    );
    assert!(
        lines[12].contains("sock_accept") && lines[12].ends_with("DENIED"),
        "{}",
        lines[12]
    );
    assert!(
        lines[14].contains("proc_exit(code=0) = exit"),
        "{}",
        lines[14]
    );
}

#[test]
fn report_file_matches_the_schema_and_is_reproducible() {
    let (_dir, mount) = behave_mount();
    let out = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let path = out.path().join(name);
        let o = airlock(&[
            "run",
            "--deterministic=5",
            "--report",
            path.to_str().unwrap(),
            "--dir",
            &mount,
            &guest("behave.wat"),
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let errors = common::schema_errors(&v);
        assert!(errors.is_empty(), "{errors:?}");
        v
    };
    let mut a = run("a.json");
    let mut b = run("b.json");
    assert_eq!(a["events_total"], 15);
    assert_eq!(a["counts"]["network_attempt"], 1);
    assert_eq!(a["input"]["kind"], "module");
    assert_eq!(a["policy"]["deterministic_seed"], 5);
    for v in [&mut a, &mut b] {
        *v.pointer_mut("/resources/wall_time_us").unwrap() = serde_json::json!(0);
    }
    assert_eq!(a, b, "deterministic reports differ only in host timings");

    // A run that fails still writes its report.
    let path = out.path().join("trap.json");
    let o = airlock(&[
        "run",
        "--report",
        path.to_str().unwrap(),
        &guest("unreachable.wat"),
    ]);
    assert_eq!(code(&o), 134);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(common::schema_errors(&v).is_empty());
    assert_eq!(v["outcome"]["status"]["code"], "unreachable");
}

#[test]
fn a_writable_mount_over_the_cache_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    let mount = home.path().to_str().unwrap();
    let o = airlock_in(&cache, &["run", "--dir", mount, &guest("hello.wat")]);
    assert_eq!(code(&o), 78, "{}", stderr(&o));
    assert!(stderr(&o).contains("compiled-code cache"), "{}", stderr(&o));
    // Read-only is fine: a guest cannot plant code through it.
    let o = airlock_in(&cache, &["run", "--ro-dir", mount, &guest("hello.wat")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_writable_mount_over_the_cache_is_refused_without_a_cache_too() {
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    let mount = home.path().to_str().unwrap();
    let o = airlock_in(
        &cache,
        &["run", "--no-cache", "--dir", mount, &guest("hello.wat")],
    );
    assert_eq!(code(&o), 78, "{}", stderr(&o));
    assert!(stderr(&o).contains("compiled-code cache"), "{}", stderr(&o));
}

#[test]
fn the_process_exits_after_a_timeout_in_a_host_call_that_never_returns() {
    // Opening a FIFO that nobody writes blocks a host thread for good; the run times out, and
    // the process must still exit rather than wait for that thread.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mount = format!("{}::/d", dir.path().display());
    let cache = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["run", "--timeout", "300ms", "--ro-dir", &mount])
        .arg(guest("probe.wat"))
        .args(["--", "r", "pipe"])
        .env("AIRLOCK_CACHE_DIR", cache.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > std::time::Duration::from_secs(30) {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_eq!(status.and_then(|s| s.code()), Some(124));
}

#[test]
fn an_unwritable_report_is_an_output_error() {
    let o = airlock(&[
        "run",
        "--report",
        "/nonexistent-dir/r.json",
        &guest("hello.wat"),
    ]);
    assert_eq!(code(&o), 74, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write /nonexistent-dir/r.json"),
        "{}",
        stderr(&o)
    );
}

/// Runs `airlock ARGS --report REPORT GUEST` with stdout and stderr piped and unread, and waits
/// up to `secs` for the report: whether it was written before anything was read, and the
/// output once read whole (else the child would wait for the reader forever).
fn run_unread(
    dir: &tempfile::TempDir,
    args: &[&str],
    report: &Path,
    guest_name: &str,
    secs: u64,
) -> (bool, Output) {
    let child = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(args)
        .arg("--report")
        .arg(report)
        .arg(guest(guest_name))
        .env("AIRLOCK_CACHE_DIR", dir.path().join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !report.exists() && started.elapsed() < std::time::Duration::from_secs(secs) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let written = report.exists();
    (written, child.wait_with_output().unwrap())
}

#[test]
fn a_reader_that_stops_reading_does_not_hold_the_guest() {
    // airlock's stdout is a pipe nobody reads. The guest's output goes to it from a thread of
    // its own, so the guest still ends (here at the 1 MiB output limit) and the report is
    // written; airlock then waits for the reader to take what the guest printed.
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let (written, o) = run_unread(&dir, &["run", "--timeout", "20s"], &report, "flood.wat", 10);
    assert!(written, "the run did not end while its output was unread");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(v["outcome"]["status"]["kind"], "output_limit", "{v}");
    assert_eq!(code(&o), 153);
    assert_eq!(o.stdout.len(), 1 << 20);
}

#[test]
fn the_command_raises_a_low_descriptor_limit_so_the_handle_cap_is_what_stops_a_hoarder() {
    // Under a soft limit of 256 descriptors, a guest allowed 400 handles would make the host
    // run out first (the guest would see an I/O error, and every other open in the process
    // would fail); airlock raises the soft limit to the hard one, so the cap stops it.
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new("bash")
        .arg("-c")
        .arg(r#"ulimit -Sn 256 && exec "$0" run --max-handles 400 --ro-dir "$1" "$2""#)
        .arg(env!("CARGO_BIN_EXE_airlock"))
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg(guest("fd_hoard.wat"))
        .env("AIRLOCK_CACHE_DIR", dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 154, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("more than 400 host handles"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn trace_lines_stderr_cannot_take_are_counted_not_queued() {
    // A million traced calls while nobody reads stderr: the run still ends (the report is
    // written), what is queued stays bounded, and a line says how many were not shown.
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let (written, o) = run_unread(
        &dir,
        &["run", "--trace", "--max-events", "2000000"],
        &report,
        "many_calls.wat",
        30,
    );
    assert!(written, "the run did not end while stderr was unread");
    assert_eq!(code(&o), 0);
    let err = stderr(&o);
    let shown = err
        .lines()
        .filter(|l| l.contains(" clock_time_get("))
        .count();
    let note = err
        .lines()
        .find(|l| l.contains("calls not shown: stderr fell behind"))
        .unwrap_or_else(|| panic!("no note; {shown} lines shown"));
    let skipped: usize = note
        .trim_start_matches("airlock-trace: ")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // Every call is either shown or counted (and proc_exit is the last line shown).
    assert_eq!(shown + skipped + 1, 1_000_001, "{note}");
    assert!(err.len() < 40 << 20, "{} bytes", err.len());
}

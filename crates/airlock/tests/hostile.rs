//! Hostile guests: one test per threat, each proving containment with a typed outcome.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use airlock::{LimitedResource, Limits, MIB, Mount, Policy, RunRequest, Status, Stream};
use common::*;

fn short(timeout_ms: u64) -> Limits {
    Limits {
        timeout: Duration::from_millis(timeout_ms),
        ..Limits::default()
    }
}

#[test]
fn infinite_loop_is_stopped_by_the_timeout() {
    let t = Instant::now();
    let o = run_with("loop.wat", short(200), Policy::default());
    assert_eq!(o.status, Status::Timeout { limit_ms: 200 });
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

/// A sandbox of its own, so that no other test's runs are in flight (the epoch thread's
/// schedule is what these tests check).
fn own_sandbox() -> airlock::Sandbox {
    airlock::Sandbox::new(airlock::SandboxConfig {
        cache_dir: None,
        ..airlock::SandboxConfig::default()
    })
    .unwrap()
}

/// Runs `loop.wat` in `sandbox` under a timeout of `ms`: its status, and how long it took.
fn timed_loop(sandbox: &airlock::Sandbox, ms: u64) -> (Status, Duration) {
    let program = sandbox.load_file(guest("loop.wat")).unwrap();
    let t = Instant::now();
    let o = sandbox
        .run(&program, RunRequest::new(short(ms), Policy::default()))
        .unwrap();
    (o.status, t.elapsed())
}

#[test]
fn a_short_timeout_is_kept_while_a_longer_run_is_in_flight() {
    // The epoch thread sleeps until the earliest deadline: a run that comes later with a sooner
    // deadline must wake it.
    let sandbox = own_sandbox();
    std::thread::scope(|s| {
        let long = s.spawn(|| timed_loop(&sandbox, 1500));
        std::thread::sleep(Duration::from_millis(50));
        let (status, took) = timed_loop(&sandbox, 150);
        assert_eq!(status, Status::Timeout { limit_ms: 150 });
        assert!(took < Duration::from_millis(1000), "{took:?}");
        let (status, took) = long.join().unwrap();
        assert_eq!(status, Status::Timeout { limit_ms: 1500 });
        assert!(took >= Duration::from_millis(1500), "{took:?}");
    });
}

#[test]
fn a_short_timeout_is_kept_after_a_long_run_that_ended_early() {
    // After a run with a long timeout ends in time, the epoch thread still sleeps until that
    // run's deadline; a later run with a sooner one must wake it.
    let sandbox = own_sandbox();
    let hello = sandbox.load_file(guest("hello.wat")).unwrap();
    let o = sandbox
        .run(&hello, RunRequest::new(short(60_000), Policy::default()))
        .unwrap();
    assert_eq!(o.status, Status::Exited { code: 0 });
    let (status, took) = timed_loop(&sandbox, 150);
    assert_eq!(status, Status::Timeout { limit_ms: 150 });
    assert!(took < Duration::from_millis(1000), "{took:?}");
}

#[test]
fn infinite_loop_is_stopped_by_fuel() {
    let limits = Limits {
        fuel: Some(1_000_000),
        ..Limits::default()
    };
    let o = run_with("loop.wat", limits, Policy::default());
    assert_eq!(o.status, Status::FuelExhausted { limit: 1_000_000 });
    assert_eq!(o.resources.fuel_consumed, Some(1_000_000));
}

#[test]
fn a_guest_blocked_in_a_host_call_is_stopped_by_the_timeout() {
    // poll_oneoff asks the host to sleep an hour: epochs cannot interrupt host code.
    let t = Instant::now();
    let o = run_with("sleep.wat", short(300), Policy::default());
    assert_eq!(o.status, Status::Timeout { limit_ms: 300 });
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
}

#[test]
fn memory_bomb_hits_the_memory_limit() {
    let limits = Limits {
        memory_bytes: 64 * MIB,
        ..Limits::default()
    };
    let o = run_with("memory_bomb.wat", limits, Policy::default());
    match &o.status {
        Status::MemoryLimit {
            limit_bytes,
            detail,
        } => {
            assert_eq!(*limit_bytes, 64 * MIB);
            assert!(
                detail.contains("refused") && detail.contains("unreachable"),
                "{detail}"
            );
        }
        other => panic!("expected MemoryLimit, got {other:?}"),
    }
    assert!(o.resources.memory_limit_hit);
    assert!(o.resources.peak_memory_bytes <= 64 * MIB && o.resources.peak_memory_bytes > 32 * MIB);
}

#[test]
fn the_memory_limit_is_for_all_of_a_guests_memories_together() {
    // Two memories of 20 MiB each: within a 32 MiB limit one by one, not together.
    let limits = Limits {
        memory_bytes: 32 * MIB,
        ..Limits::default()
    };
    let o = run_with("two_memory_bomb.wat", limits.clone(), Policy::default());
    assert!(
        matches!(
            &o.status,
            Status::MemoryLimit { detail, .. }
                if detail.contains("growing memory from 65536 to 21037056 bytes (with 21037056 bytes in its other memories) was refused")
        ),
        "{:?}",
        o.status
    );
    assert!(o.resources.memory_limit_hit);
    assert_eq!(o.resources.peak_memory_bytes, 21_037_056 + 65_536);
    let roomy = Limits {
        memory_bytes: 64 * MIB,
        ..limits
    };
    let o = run_with("two_memory_bomb.wat", roomy, Policy::default());
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert_eq!(o.resources.peak_memory_bytes, 2 * 21_037_056);
}

#[test]
fn initial_memory_over_the_limit_fails_at_start() {
    let limits = Limits {
        memory_bytes: 64 * MIB,
        ..Limits::default()
    };
    let o = run_with("huge_initial_memory.wat", limits, Policy::default());
    assert!(
        matches!(&o.status, Status::MemoryLimit { detail, .. } if detail.contains("initial")),
        "{:?}",
        o.status
    );
}

#[test]
fn table_bomb_is_refused() {
    let o = run("table_bomb.wat");
    assert!(
        matches!(
            &o.status,
            Status::ResourceLimit { resource: LimitedResource::TableElements, limit: 100_000, detail }
                if detail.contains("growing a table from 1 to 1000001 elements was refused")
                    && detail.contains("then the guest trapped (unreachable)")
        ),
        "{:?}",
        o.status
    );
    assert!(!o.resources.memory_limit_hit);
}

/// The descriptors this process holds open on `dir` (from `/proc/self/fd`).
fn fds_on(dir: &std::path::Path) -> usize {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.starts_with(&dir))
        .count()
}

#[test]
fn a_guest_hoarding_descriptors_is_stopped_at_the_handle_limit() {
    // Unbounded, the guest would hold a host descriptor per open until the process ran out,
    // and every other sandbox in the process would then fail to open anything.
    let (dir, policy) = mounted_dir();
    for max_handles in [Limits::default().max_handles, 40] {
        let limits = Limits {
            max_handles,
            ..Limits::default()
        };
        let o = run_with("fd_hoard.wat", limits, policy.clone());
        assert!(
            matches!(
                &o.status,
                Status::ResourceLimit { resource: LimitedResource::Handles, limit, detail }
                    if *limit == u64::from(max_handles) && detail.contains("host handles")
            ),
            "{:?}",
            o.status
        );
        // All of them were closed with the run, and the next run opens files as usual.
        assert_eq!(fds_on(dir.path()), 0);
        let o = run_with(
            "probe.wat",
            Limits::default(),
            probe_args(&["r", "inside.txt"]).with_mounts(&policy),
        );
        assert_eq!(o.stdout.bytes, b"inside\n");
    }
}

#[test]
fn stack_overflow_is_a_trap() {
    let o = run("recurse.wat");
    match &o.status {
        Status::Trap {
            code, backtrace, ..
        } => {
            assert_eq!(code, "stack_overflow");
            assert_eq!(
                backtrace.first().and_then(|f| f.func_name.as_deref()),
                Some("down")
            );
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn unreachable_is_a_trap_with_backtrace() {
    match run("unreachable.wat").status {
        Status::Trap {
            code, backtrace, ..
        } => {
            assert_eq!(code, "unreachable");
            assert_eq!(backtrace[0].func_name.as_deref(), Some("boom"));
            assert!(backtrace[0].offset.is_some());
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn out_of_bounds_access_is_a_trap() {
    assert!(
        matches!(run("out_of_bounds.wat").status, Status::Trap { ref code, .. } if code == "memory_out_of_bounds")
    );
}

#[test]
fn a_1gb_output_flood_is_cut_at_the_limit() {
    let t = Instant::now();
    let o = run("flood.wat");
    assert_eq!(
        o.status,
        Status::OutputLimit {
            stream: Stream::Stdout,
            limit_bytes: MIB
        }
    );
    assert_eq!(o.stdout.bytes.len() as u64, MIB);
    assert!(o.stdout.truncated);
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn etc_passwd_is_not_visible_without_mounts() {
    for path in ["/etc/passwd", "../etc/passwd", "etc/passwd", "."] {
        let o = run_with("probe.wat", Limits::default(), probe_args(&["r", path]));
        assert_eq!(o.status, Status::Exited { code: 1 }, "{path}");
        assert_eq!(
            o.stdout.text(),
            "errno=8\n",
            "{path}: no descriptor at all (EBADF)"
        );
    }
}

fn mounted_dir() -> (tempfile::TempDir, Policy) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("inside.txt"), "inside\n").unwrap();
    let policy = Policy {
        mounts: vec![Mount::read_write(dir.path(), "/work")],
        ..Policy::default()
    };
    (dir, policy)
}

#[test]
fn mounted_files_are_readable() {
    let (_dir, base) = mounted_dir();
    let o = run_with(
        "probe.wat",
        Limits::default(),
        Policy {
            ..probe_args(&["r", "inside.txt"])
        }
        .with_mounts(&base),
    );
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert_eq!(o.stdout.bytes, b"inside\n");
}

#[test]
fn paths_outside_the_mount_are_refused() {
    let (_dir, base) = mounted_dir();
    for path in [
        "../../../../etc/passwd",
        "/etc/passwd",
        "../inside.txt",
        "/work/../../etc/passwd",
    ] {
        let o = run_with(
            "probe.wat",
            Limits::default(),
            probe_args(&["r", path]).with_mounts(&base),
        );
        assert_eq!(
            o.status,
            Status::Exited { code: 1 },
            "{path}: {}",
            o.stdout.text()
        );
        assert!(
            o.stdout.text().starts_with("errno="),
            "{path}: {}",
            o.stdout.text()
        );
        assert!(!o.stdout.text().contains("root:"), "{path}");
    }
}

#[test]
fn a_symlink_inside_a_mount_cannot_lead_outside() {
    let (dir, base) = mounted_dir();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret\n").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).unwrap();
    std::os::unix::fs::symlink("../", dir.path().join("up")).unwrap();
    for path in ["link.txt", "linkdir/secret.txt", "up/etc/passwd"] {
        let o = run_with(
            "probe.wat",
            Limits::default(),
            probe_args(&["r", path]).with_mounts(&base),
        );
        assert_eq!(
            o.status,
            Status::Exited { code: 1 },
            "{path}: {}",
            o.stdout.text()
        );
        assert!(!o.stdout.text().contains("secret"), "{path}");
    }
}

#[test]
fn no_sandbox_mounts_the_compiled_code_cache_or_the_guests_writable() {
    // The shared sandbox here has no cache of its own: later sandboxes that use the default cache
    // map native code from it, and load guest runtimes from next to it.
    let default = airlock::cache::default_dir().expect("a default cache directory");
    let mut cases = vec![
        default.clone(),
        // Inside the cache, beside the guests: where compiled code lives.
        default.join("an-engine-fingerprint"),
        default.join("guests"),
        default.parent().unwrap().to_path_buf(),
    ];
    cases.extend(airlock::guest::system_dirs(
        airlock::guest::GuestKind::Python,
    ));
    let program = sandbox().load_file(guest("hello.wat")).unwrap();
    for host in cases {
        let policy = Policy {
            mounts: vec![Mount::read_write(&host, "/m")],
            ..Policy::default()
        };
        let e = sandbox()
            .run(&program, RunRequest::new(Limits::default(), policy))
            .expect_err("refused");
        assert!(
            matches!(e, airlock::Error::Config(ref m) if m.contains("refusing to mount")),
            "{}: {e}",
            host.display()
        );
        // Read-only is fine.
        if host.exists() {
            let policy = Policy {
                mounts: vec![Mount::read_only(&host, "/m")],
                ..Policy::default()
            };
            let o = sandbox()
                .run(&program, RunRequest::new(Limits::default(), policy))
                .unwrap();
            assert_eq!(o.status, Status::Exited { code: 0 });
        }
    }
}

#[test]
fn writes_outside_a_writable_mount_are_refused() {
    let (dir, base) = mounted_dir();
    let parent = dir.path().parent().unwrap().to_path_buf();
    let name = format!("airlock-escape-{}", std::process::id());
    let o = run_with(
        "probe.wat",
        Limits::default(),
        probe_args(&["w", &format!("../{name}")]).with_mounts(&base),
    );
    assert_eq!(o.status, Status::Exited { code: 1 }, "{}", o.stdout.text());
    assert!(!parent.join(&name).exists());
    // Inside the mount it works, so the refusal above is about the path, not the guest.
    let o = run_with(
        "probe.wat",
        Limits::default(),
        probe_args(&["w", "ok.txt"]).with_mounts(&base),
    );
    assert_eq!(o.status, Status::Exited { code: 0 }, "{}", o.stdout.text());
    assert_eq!(
        std::fs::read(dir.path().join("ok.txt")).unwrap(),
        b"pwned\n"
    );
}

#[test]
fn read_only_mounts_refuse_writes() {
    let dir = tempfile::tempdir().unwrap();
    let policy = Policy {
        mounts: vec![Mount::read_only(dir.path(), "/ro")],
        ..probe_args(&["w", "new.txt"])
    };
    let o = run_with("probe.wat", Limits::default(), policy);
    assert_eq!(o.status, Status::Exited { code: 1 }, "{}", o.stdout.text());
    assert!(!dir.path().join("new.txt").exists());
}

#[test]
fn host_environment_is_not_visible() {
    // SAFETY: this test binary sets the variable before any sandbox reads; nothing else in
    // the process reads the environment concurrently in a way that matters.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("AIRLOCK_TEST_SECRET", "hunter2");
    }
    let o = run_with("probe.wat", Limits::default(), probe_args(&["e"]));
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert!(
        o.stdout.bytes.is_empty(),
        "guest saw: {:?}",
        o.stdout.text()
    );
}

#[test]
fn concurrent_guests_never_see_each_others_output_files_or_env() {
    let program = load("probe.wat");
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let program = program.clone();
                s.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    std::fs::write(dir.path().join("mine.txt"), format!("file of {i}\n")).unwrap();
                    for round in 0..50 {
                        let env = Policy {
                            env: vec![("WHO".into(), format!("{i}-{round}"))],
                            ..probe_args(&["e"])
                        };
                        let o = sandbox()
                            .run(&program, RunRequest::new(Limits::default(), env))
                            .unwrap();
                        assert_eq!(o.stdout.text(), format!("WHO={i}-{round}\0"));
                        let read = Policy {
                            mounts: vec![Mount::read_only(dir.path(), "/d")],
                            ..probe_args(&["r", "mine.txt"])
                        };
                        let o = sandbox()
                            .run(&program, RunRequest::new(Limits::default(), read))
                            .unwrap();
                        assert_eq!(o.stdout.text(), format!("file of {i}\n"));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
}

#[test]
fn after_a_hostile_run_the_next_sandbox_run_is_unaffected() {
    let _ = run_with(
        "memory_bomb.wat",
        Limits {
            memory_bytes: 64 * MIB,
            ..Limits::default()
        },
        Policy::default(),
    );
    let _ = run("flood.wat");
    let _ = run_with("loop.wat", short(50), Policy::default());
    let o = run("hello.wat");
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert_eq!(o.stdout.bytes, b"hello\n");
    assert_eq!(o.resources.peak_memory_bytes, 65536);
}

#[test]
fn memory_kept_resident_between_runs_is_pristine_for_the_next_run() {
    // The guest checks its 12 MiB of memory, then scribbles over it (4 MiB, then scattered pages).
    // Kept resident, the memory slot's written pages are reset in place rather than unmapped
    // (found by the kernel's dirty-page scan where it has one): every run must still start from
    // the module's own contents, whether the reset covers all of the memory or only part of it.
    // One run at a time, so that each run takes the slot the one before left; the runs
    // alternate between two different modules, so that a slot also passes from one module's
    // image to another's.
    let text = std::fs::read_to_string(guest("scribble.wat")).unwrap();
    let other = text.replacen(
        "(func (export \"_start\")",
        "(func $unused)\n  (func (export \"_start\")",
        1,
    );
    for keep in [64 * 1024, airlock::JS_KEEP_RESIDENT, 64 << 20] {
        let sandbox = airlock::Sandbox::new(airlock::SandboxConfig {
            cache_dir: None,
            memory_keep_resident: keep,
            max_concurrent_runs: 1,
            ..airlock::SandboxConfig::default()
        })
        .unwrap();
        let programs = [
            sandbox.load_bytes("scribble.wat", text.as_bytes()).unwrap(),
            sandbox.load_bytes("other.wat", other.as_bytes()).unwrap(),
        ];
        assert_ne!(programs[0].sha256_hex(), programs[1].sha256_hex());
        for i in 0..6 {
            let o = sandbox
                .run(&programs[i % 2], RunRequest::default())
                .unwrap();
            assert_eq!(o.status, Status::Exited { code: 0 }, "{o:?}");
            assert_eq!(o.stdout.text(), "clean\n", "keep_resident {keep}, run {i}");
        }
    }
}

trait WithMounts {
    fn with_mounts(self, other: &Policy) -> Policy;
}
impl WithMounts for Policy {
    fn with_mounts(mut self, other: &Policy) -> Policy {
        self.mounts = other.mounts.clone();
        self
    }
}

#[test]
fn a_wasi_guest_without_memory_export_gets_a_clear_trap() {
    let p = sandbox()
        .load_bytes(
            "nomem.wat",
            br#"(module
                  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
                  (memory 1)
                  (func (export "_start") (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
        )
        .unwrap();
    let o = sandbox()
        .run(&p, RunRequest::new(Limits::default(), Policy::default()))
        .unwrap();
    assert!(
        matches!(&o.status, Status::Trap { code, message, .. } if code == "host" && message.contains("memory export")),
        "{:?}",
        o.status
    );
}

#[test]
fn a_fifo_in_a_mount_cannot_block_past_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let policy = Policy {
        mounts: vec![Mount::read_only(dir.path(), "/d")],
        ..probe_args(&["r", "pipe"])
    };
    let t = Instant::now();
    let o = run_with("probe.wat", short(300), policy);
    assert_eq!(o.status, Status::Timeout { limit_ms: 300 });
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // Unblock the host thread still waiting in open(2) so that it can finish.
    let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
}

#[test]
fn absurd_timeouts_are_refused_not_panicking() {
    let limits = Limits {
        timeout: Duration::MAX,
        ..Limits::default()
    };
    let e = sandbox()
        .run(
            &load("hello.wat"),
            RunRequest::new(limits, Policy::default()),
        )
        .unwrap_err();
    assert_eq!(e.kind(), airlock::ErrorKind::Config);
}

/// Runs that hold every slot of a sandbox (here its only one): another run is refused with a
/// typed `Busy` error, before any of it runs, and is not reported as the guest's trap; once the
/// slot is free, runs go on.
#[test]
fn a_run_past_the_sandboxs_slots_is_busy_not_a_trap() {
    let sandbox = airlock::Sandbox::new(airlock::SandboxConfig {
        cache_dir: None,
        max_concurrent_runs: 1,
        ..airlock::SandboxConfig::default()
    })
    .unwrap();
    let spin = sandbox.load_file(guest("loop.wat")).unwrap();
    let hello = sandbox.load_file(guest("hello.wat")).unwrap();
    std::thread::scope(|s| {
        let holder = s.spawn(|| {
            sandbox
                .run(&spin, RunRequest::new(short(1_500), Policy::default()))
                .unwrap()
        });
        // The spinning run has long been instantiated by then.
        std::thread::sleep(Duration::from_millis(300));
        let refused = sandbox
            .run(&hello, RunRequest::default())
            .expect_err("no free slot");
        assert_eq!(refused.kind(), airlock::ErrorKind::Busy);
        assert!(
            refused.to_string().contains("max_concurrent_runs"),
            "{refused}"
        );
        assert_eq!(
            holder.join().unwrap().status,
            Status::Timeout { limit_ms: 1_500 }
        );
    });
    let o = sandbox.run(&hello, RunRequest::default()).unwrap();
    assert_eq!(o.stdout.bytes, b"hello\n");
}

//! The behaviour trace and the versioned report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use airlock::{Category, Limits, Mount, Outcome, Policy, Report, RunRequest, Status, TraceConfig};
use common::*;

fn traced(max_events: usize) -> TraceConfig {
    TraceConfig {
        enabled: true,
        max_events,
        callback: None,
        ..TraceConfig::default()
    }
}

fn run_traced(name: &str, policy: Policy, trace: TraceConfig) -> Outcome {
    let mut req = RunRequest::new(Limits::default(), policy);
    req.trace = trace;
    sandbox().run(&load(name), req).unwrap()
}

fn behave_dir() -> (tempfile::TempDir, Policy) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "input data\n").unwrap();
    let policy = Policy {
        mounts: vec![Mount::read_write(dir.path(), "/data")],
        env: vec![("A".into(), "1".into())],
        ..Policy::default()
    };
    (dir, policy)
}

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/report.schema.json"
    ))
    .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn assert_valid(report: &serde_json::Value) {
    let errors: Vec<String> = schema()
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema: {errors:#?}"
    );
}

#[test]
fn every_host_call_is_an_event_in_order_with_denials_marked() {
    let (dir, policy) = behave_dir();
    let o = run_traced("behave.wat", policy, traced(1000));
    assert_eq!(o.status, Status::Exited { code: 0 });
    let t = o.trace.unwrap();
    let seen: Vec<(&str, Category, bool)> = t
        .events
        .iter()
        .map(|e| (e.call.as_str(), e.category, e.denied))
        .collect();
    use Category::*;
    assert_eq!(
        seen,
        vec![
            ("path_open", FilesystemRead, false),
            ("fd_read", FilesystemRead, false),
            ("fd_close", Other, false),
            ("path_open", FilesystemWrite, false),
            ("fd_write", FilesystemWrite, false),
            ("fd_close", Other, false),
            ("fd_readdir", DirectoryListing, false),
            ("environ_sizes_get", Environment, false),
            ("environ_get", Environment, false),
            ("clock_time_get", Clock, false),
            ("clock_time_get", Clock, false),
            ("random_get", Random, false),
            ("sock_accept", NetworkAttempt, true),
            ("path_open", FilesystemRead, true),
            ("proc_exit", ProcessExit, false),
        ]
    );
    let e = &t.events;
    assert_eq!(e[0].args, r#"fd=3, path="in.txt", read"#);
    assert_eq!(e[0].result, "ok: fd=4");
    assert_eq!(e[1].result, "ok: 11 bytes");
    assert!(
        e[3].args.contains(r#"path="out.txt""#) && e[3].args.contains("CREAT"),
        "{}",
        e[3].args
    );
    assert_eq!(e[4].args, "fd=4, 5 bytes", "byte counts, never buffers");
    assert_eq!(e[7].result, "ok: 1 var, 4 bytes");
    assert_eq!(e[11].args, "16 bytes");
    assert!(
        e[13].args.contains("../secret.txt") && e[13].result != "ok",
        "{:?}",
        e[13]
    );
    assert_eq!(e[14].args, "code=0");
    assert!(
        e.windows(2)
            .all(|w| w[0].seq + 1 == w[1].seq && w[0].time_us <= w[1].time_us)
    );
    assert_eq!(std::fs::read(dir.path().join("out.txt")).unwrap(), b"hello");
    assert_eq!(t.total(), 15);
    assert_eq!(t.counts[&FilesystemRead], 3);
    assert_eq!(t.counts[&NetworkAttempt], 1);
}

#[test]
fn deterministic_runs_give_identical_event_lists() {
    let run = |seed| {
        let (_dir, mut policy) = behave_dir();
        policy.deterministic = Some(seed);
        let o = run_traced("behave.wat", policy, traced(1000));
        serde_json::to_string(&o.trace.unwrap().events).unwrap()
    };
    let a = run(7);
    assert_eq!(a, run(7));
    // Clocks are virtual: 2024-01-01T00:00:00Z, then +1 ms per read.
    assert!(a.contains("ok: 1704067200000000000 ns"), "{a}");
    assert!(a.contains("ok: 1000000 ns"), "{a}");
    // Without determinism the clocks are real and differ from the virtual ones.
    let (_dir, policy) = behave_dir();
    let real = serde_json::to_string(
        &run_traced("behave.wat", policy, traced(1000))
            .trace
            .unwrap()
            .events,
    )
    .unwrap();
    assert!(!real.contains("ok: 1704067200000000000 ns"));
}

#[test]
fn deterministic_randomness_follows_the_seed() {
    // The probe prints nothing random, so use a module that prints 16 random bytes.
    let wat = br#"(module
        (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "_start")
          (drop (call $r (i32.const 64) (i32.const 16)))
          (i32.store (i32.const 0) (i32.const 64))
          (i32.store (i32.const 4) (i32.const 16))
          (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
    let p = sandbox().load_bytes("rand.wat", wat).unwrap();
    let bytes = |seed: Option<u64>| {
        let policy = Policy {
            deterministic: seed,
            ..Policy::default()
        };
        sandbox()
            .run(&p, RunRequest::new(Limits::default(), policy))
            .unwrap()
            .stdout
            .bytes
    };
    assert_eq!(bytes(Some(1)), bytes(Some(1)));
    assert_ne!(bytes(Some(1)), bytes(Some(2)));
    assert_ne!(bytes(None), bytes(None));
}

#[test]
fn a_million_calls_keep_the_trace_bounded() {
    let o = run_traced("many_calls.wat", Policy::default(), traced(1000));
    assert_eq!(o.status, Status::Exited { code: 0 });
    let t = o.trace.unwrap();
    assert_eq!(t.events.len(), 1000);
    assert_eq!(
        t.total(),
        1_000_001,
        "args_sizes_get + a million clock reads"
    );
    assert_eq!(t.dropped, 1_000_001 - 1000);
    assert_eq!(t.counts[&Category::Clock], 1_000_000);

    // The default cap holds too, and the report stays bounded.
    let o = run_traced(
        "many_calls.wat",
        Policy::default(),
        TraceConfig {
            enabled: true,
            ..TraceConfig::default()
        },
    );
    let t = o.trace.as_ref().unwrap();
    assert_eq!(t.events.len(), 100_000);
    let report = Report::new(
        &load("many_calls.wat"),
        &Limits::default(),
        &Policy::default(),
        &o,
    );
    assert_eq!(report.events_dropped, 1_000_001 - 100_000);
    assert!(report.to_json().len() < 30 << 20);
}

#[test]
fn the_callback_sees_every_call_even_past_the_cap() {
    let seen = Arc::new(Mutex::new(0u64));
    let s = seen.clone();
    let trace = TraceConfig {
        enabled: true,
        max_events: 10,
        callback: Some(Box::new(move |_| *s.lock().unwrap() += 1)),
        ..TraceConfig::default()
    };
    let o = run_traced("many_calls.wat", probe_args(&["k"]), trace);
    assert_eq!(o.trace.unwrap().events.len(), 10);
    assert_eq!(
        *seen.lock().unwrap(),
        10_002,
        "args_sizes_get, args_get and 10,000 clock reads"
    );
}

#[test]
fn tracing_is_off_by_default() {
    assert!(run("hello.wat").trace.is_none());
}

#[test]
fn component_calls_are_traced_too() {
    let o = run_traced("component_env.wat", probe_args(&["x"]), traced(100));
    assert_eq!(o.status, Status::Exited { code: 0 });
    let t = o.trace.unwrap();
    assert_eq!(t.events.len(), 1, "{:?}", t.events);
    assert_eq!(t.events[0].call, "environment.get-arguments");
    assert_eq!(t.events[0].category, Category::Environment);
    assert!(t.events[0].result.starts_with("ok"));
}

#[test]
fn reports_of_real_runs_match_the_schema() {
    let (_dir, policy) = behave_dir();
    let cases: Vec<(&str, Policy, Limits)> = vec![
        ("behave.wat", policy, Limits::default()),
        (
            "hello.wat",
            Policy {
                deterministic: Some(3),
                ..Policy::default()
            },
            Limits::default(),
        ),
        ("unreachable.wat", Policy::default(), Limits::default()),
        (
            "loop.wat",
            Policy::default(),
            Limits {
                timeout: std::time::Duration::from_millis(20),
                ..Limits::default()
            },
        ),
        (
            "loop.wat",
            Policy::default(),
            Limits {
                fuel: Some(1000),
                ..Limits::default()
            },
        ),
        (
            "memory_bomb.wat",
            Policy::default(),
            Limits {
                memory_bytes: 32 << 20,
                ..Limits::default()
            },
        ),
        (
            "flood.wat",
            Policy::default(),
            Limits {
                max_output_bytes: 100,
                ..Limits::default()
            },
        ),
        ("component_env.wat", Policy::default(), Limits::default()),
        ("table_bomb.wat", Policy::default(), Limits::default()),
    ];
    for (name, policy, limits) in cases {
        let mut req = RunRequest::new(limits.clone(), policy.clone());
        req.trace = traced(1000);
        let p = load(name);
        let o = sandbox().run(&p, req).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&Report::new(&p, &limits, &policy, &o).to_json()).unwrap();
        assert_valid(&v);
        assert_eq!(v["version"], airlock::REPORT_VERSION);
    }
}

#[test]
fn deterministic_reports_differ_only_in_host_timings() {
    let report = || {
        let (_dir, mut policy) = behave_dir();
        policy.mounts[0].host = "/placeholder".into(); // the temp dir's name differs per run
        let (dir, mut real) = behave_dir();
        real.deterministic = Some(9);
        let mut req = RunRequest::new(Limits::default(), real);
        req.trace = traced(1000);
        let p = load("behave.wat");
        let o = sandbox().run(&p, req).unwrap();
        drop(dir);
        policy.deterministic = Some(9);
        let mut v: serde_json::Value =
            serde_json::from_str(&Report::new(&p, &Limits::default(), &policy, &o).to_json())
                .unwrap();
        assert_eq!(
            v["host_timing_fields"],
            serde_json::json!(["/resources/wall_time_us"])
        );
        *v.pointer_mut("/resources/wall_time_us").unwrap() = serde_json::json!(0);
        v.to_string()
    };
    assert_eq!(report(), report());
}

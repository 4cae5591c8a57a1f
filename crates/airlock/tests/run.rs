//! Running guests: exit codes, output capture, components, errors before the start.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use airlock::{Error, ErrorKind, Limits, Policy, RunRequest, Status, Stdin};
use common::*;

#[test]
fn hello_prints_and_exits_zero() {
    let o = run("hello.wat");
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert_eq!(o.stdout.bytes, b"hello\n");
    assert!(!o.stdout.truncated);
    assert!(o.stderr.bytes.is_empty());
    assert_eq!(o.resources.peak_memory_bytes, 65536);
    assert!(o.resources.fuel_consumed.is_some_and(|f| f > 0));
}

#[test]
fn proc_exit_code_is_the_status() {
    assert_eq!(run("exit_code.wat").status, Status::Exited { code: 42 });
}

#[test]
fn modules_with_several_memories_and_tables_run() {
    // Within the per-run limits (16 each) a module may define more than one of each.
    assert_eq!(run("two_memories.wat").status, Status::Exited { code: 9 });
}

#[test]
fn components_run_through_wasi_cli_run() {
    let p = load("component_ok.wat");
    assert_eq!(p.kind(), airlock::WasmKind::Component);
    assert_eq!(run("component_ok.wat").status, Status::Exited { code: 0 });
    assert_eq!(run("component_err.wat").status, Status::Exited { code: 1 });
}

#[test]
fn component_without_run_is_missing_entry() {
    let e = sandbox()
        .load_file(guest("component_no_run.wat"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingEntry, "{e}");
    assert!(e.to_string().contains("wasi:cli/run"), "{e}");
}

#[test]
fn stdin_bytes_reach_the_guest_and_args_are_seen() {
    // The probe in env mode prints the environment; args are checked via argv[1] = "e".
    let policy = Policy {
        env: vec![("GREETING".into(), "hi".into())],
        stdin: Stdin::Bytes(b"ignored".to_vec()),
        ..probe_args(&["e"])
    };
    let o = run_with("probe.wat", Limits::default(), policy);
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert_eq!(o.stdout.bytes, b"GREETING=hi\0");
}

#[test]
fn missing_start_is_a_typed_error() {
    let e = sandbox()
        .load_bytes("m.wat", br#"(module (func (export "main")))"#)
        .unwrap_err();
    match e {
        Error::MissingEntry {
            expected, found, ..
        } => {
            assert_eq!(expected, "_start");
            assert_eq!(found, vec!["main".to_string()]);
        }
        other => panic!("expected MissingEntry, got {other:?}"),
    }
}

#[test]
fn unknown_import_names_module_and_field() {
    let e = sandbox()
        .load_bytes(
            "m.wat",
            br#"(module (import "env" "launch_missiles" (func)) (func (export "_start")))"#,
        )
        .unwrap_err();
    match e {
        Error::UnknownImport { module, field } => assert_eq!(
            (module.as_str(), field.as_str()),
            ("env", "launch_missiles")
        ),
        other => panic!("expected UnknownImport, got {other:?}"),
    }
    // A WASI function that does not exist is just as unknown.
    let e = sandbox()
        .load_bytes("m.wat", br#"(module (import "wasi_snapshot_preview1" "sock_open" (func)) (func (export "_start")))"#)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownImport, "{e}");
}

#[test]
fn wrongly_typed_wasi_import_is_incompatible() {
    let e = sandbox()
        .load_bytes("m.wat", br#"(module (import "wasi_snapshot_preview1" "fd_write" (func)) (func (export "_start")))"#)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IncompatibleImport, "{e}");
    assert!(e.to_string().contains("fd_write"), "{e}");
}

#[test]
fn invalid_inputs_get_precise_errors() {
    let s = sandbox();
    let e = s
        .load_bytes("x", b"\x7fELF\x02\x01\x01\0\0\0\0")
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidModule(m) if m.message.contains("ELF")),
        "{e}"
    );

    let hello = wat::parse_file(guest("hello.wat")).unwrap();
    let e = s.load_bytes("x", &hello[..hello.len() - 5]).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidModule(m) if m.offset.is_some() && m.section.is_some()),
        "{e}"
    );

    let garbage: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert_eq!(
        s.load_bytes("x", &garbage).unwrap_err().kind(),
        ErrorKind::InvalidModule
    );

    let mut bad_body = b"\0asm\x01\0\0\0".to_vec();
    bad_body.extend_from_slice(&[0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type () -> ()
    bad_body.extend_from_slice(&[0x03, 0x02, 0x01, 0x00]); // one function
    bad_body.extend_from_slice(&[0x0a, 0x05, 0x01, 0x03, 0x00, 0x41, 0x0b]); // body: i32.const <missing>
    let e = s.load_bytes("x", &bad_body).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidModule(m) if m.section.as_deref() == Some("code")),
        "{e}"
    );
}

#[test]
fn the_seed_modules_malformed_export_is_explained() {
    let seed: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
        0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00,
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
    ];
    let e = sandbox().load_bytes("test.wasm", seed).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("external kind")
            && text.contains("offset 26")
            && text.contains("export section"),
        "{text}"
    );
}

#[test]
fn a_1gb_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.wasm");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(1 << 30).unwrap(); // sparse: no gigabyte is written or read
    let e = sandbox().load_file(&path).unwrap_err();
    match e {
        Error::TooLarge { size, limit } => assert_eq!((size, limit), (1 << 30, 256 << 20)),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn unreadable_and_missing_files_are_io_errors() {
    assert_eq!(
        sandbox()
            .load_file("/nonexistent/x.wasm")
            .unwrap_err()
            .kind(),
        ErrorKind::Io
    );
    assert_eq!(sandbox().load_file("/").unwrap_err().kind(), ErrorKind::Io);
}

#[test]
fn bad_limits_and_mounts_are_config_errors() {
    let p = load("hello.wat");
    let zero = Limits {
        timeout: std::time::Duration::ZERO,
        ..Limits::default()
    };
    assert_eq!(
        sandbox()
            .run(&p, RunRequest::new(zero, Policy::default()))
            .unwrap_err()
            .kind(),
        ErrorKind::Config
    );
    let policy = Policy {
        mounts: vec![airlock::Mount::read_only("/nonexistent-dir", "/x")],
        ..Policy::default()
    };
    assert_eq!(
        sandbox()
            .run(&p, RunRequest::new(Limits::default(), policy))
            .unwrap_err()
            .kind(),
        ErrorKind::Config
    );
}

#[test]
fn output_is_forwarded_live_to_sinks() {
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Shared::default();
    let mut req = RunRequest::new(Limits::default(), Policy::default());
    req.stdout_sink = Some(Box::new(sink.clone()));
    let o = sandbox().run(&load("hello.wat"), req).unwrap();
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert_eq!(*sink.0.lock().unwrap(), b"hello\n");
}

#[test]
fn outcome_json_has_status_streams_and_resources() {
    let v = serde_json::to_value(run("exit_code.wat")).unwrap();
    assert_eq!(v["status"]["kind"], "exited");
    assert_eq!(v["exit_code"], 42);
    assert_eq!(v["stdout_truncated"], false);
    assert!(v["resources"]["wall_time_us"].is_u64());
}

#[test]
fn sandbox_and_program_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<airlock::Sandbox>();
    assert_send_sync::<airlock::Program>();
    assert_send_sync::<airlock::Outcome>();
    assert_send_sync::<airlock::Error>();
}

#[test]
fn a_short_sleep_completes_and_reports_its_event() {
    // poll_oneoff on one relative clock of 20 ms: served by an async timer, then one event.
    let wat = br#"(module
        (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (func (export "_start")
          (i32.store (i32.const 16) (i32.const 1))
          (i64.store (i32.const 24) (i64.const 20000000))
          (if (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)) (then (call $exit (i32.const 2))))
          ;; one event, of type clock (0), without error
          (if (i32.ne (i32.load (i32.const 128)) (i32.const 1)) (then (call $exit (i32.const 3))))
          (if (i32.load16_u (i32.const 72)) (then (call $exit (i32.const 4))))))"#;
    let p = sandbox().load_bytes("nap.wat", wat).unwrap();
    let t = std::time::Instant::now();
    let o = sandbox()
        .run(&p, RunRequest::new(Limits::default(), Policy::default()))
        .unwrap();
    assert_eq!(o.status, Status::Exited { code: 0 });
    assert!(t.elapsed() >= std::time::Duration::from_millis(20));
}

#[test]
fn the_same_code_under_two_names_keeps_each_name() {
    let bytes = std::fs::read(guest("hello.wat")).unwrap();
    let a = sandbox().load_bytes("first.wat", &bytes).unwrap();
    let b = sandbox().load_bytes("second.wat", &bytes).unwrap();
    assert_eq!((a.name(), b.name()), ("first.wat", "second.wat"));
    assert_eq!(a.sha256_hex(), b.sha256_hex());
}

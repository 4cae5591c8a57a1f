//! Python in the sandbox: semantics a Python user expects, sessions, and hostile code.
//! Needs the guest: `airlock install python` (the README's test command runs it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use airlock::guest::{self, GuestKind};
use airlock::python::{Python, Source};
use airlock::{
    ErrorKind, Limits, MIB, Mount, Outcome, Policy, RunRequest, Sandbox, SandboxConfig, Status,
    Stdin, Stream, TraceConfig,
};

fn python() -> &'static Python {
    static P: OnceLock<Python> = OnceLock::new();
    P.get_or_init(|| {
        let guest = guest::find(GuestKind::Python, None)
            .expect("the Python guest is installed (run `airlock install python`)");
        let sandbox = Sandbox::new(SandboxConfig::default()).expect("sandbox");
        Python::load(&sandbox, &guest).expect("load the Python guest")
    })
}

fn run_req(code: &str, limits: Limits, policy: Policy) -> Outcome {
    python()
        .run(&Source::inline(code), RunRequest::new(limits, policy))
        .expect("run")
}

fn run(code: &str) -> Outcome {
    run_req(code, Limits::default(), Policy::default())
}

fn stdout(o: &Outcome) -> String {
    o.stdout.text().into_owned()
}

fn stderr(o: &Outcome) -> String {
    o.stderr.text().into_owned()
}

fn exited(o: &Outcome) -> i32 {
    match o.status {
        Status::Exited { code } => code,
        ref other => panic!("expected an exit, got {other:?}; stderr: {}", stderr(o)),
    }
}

fn short(timeout_ms: u64) -> Limits {
    Limits {
        timeout: Duration::from_millis(timeout_ms),
        ..Limits::default()
    }
}

/// The next sandbox is unaffected by whatever the previous one did.
fn next_is_fine() {
    let o = run("print('still fine')");
    assert_eq!(exited(&o), 0);
    assert_eq!(stdout(&o), "still fine\n");
}

// ---- semantics ----

#[test]
fn print_goes_to_stdout_and_exit_code_is_zero() {
    let o = run("print('hello'); import sys; print('to err', file=sys.stderr)");
    assert_eq!(exited(&o), 0);
    assert_eq!(stdout(&o), "hello\n");
    assert_eq!(stderr(&o), "to err\n");
}

#[test]
fn an_uncaught_exception_prints_its_traceback_and_exits_1() {
    let o = run("def f(n):\n    return 1 / n\nf(0)\n");
    assert_eq!(exited(&o), 1);
    let err = stderr(&o);
    assert!(
        err.starts_with("Traceback (most recent call last):"),
        "{err}"
    );
    assert!(
        err.contains("File \"<string>\", line 3, in <module>"),
        "{err}"
    );
    assert!(
        err.contains("return 1 / n"),
        "source lines are shown: {err}"
    );
    assert!(
        err.trim_end()
            .ends_with("ZeroDivisionError: division by zero"),
        "{err}"
    );
    assert!(
        !err.contains("airlock_guest"),
        "the guest's own frames are hidden: {err}"
    );
}

#[test]
fn sys_exit_gives_the_exit_code() {
    assert_eq!(exited(&run("import sys; sys.exit(3)")), 3);
    assert_eq!(exited(&run("import sys; sys.exit()")), 0);
    assert_eq!(exited(&run("raise SystemExit(0)")), 0);
    let o = run("import sys; sys.exit('bad input')");
    assert_eq!(exited(&o), 1);
    assert_eq!(stderr(&o), "bad input\n");
    // Codes past 32 bits are cut as a 64-bit CPython cuts them, without a traceback.
    let o = run("import sys; sys.exit(2**32 + 5)");
    assert_eq!((exited(&o), stderr(&o)), (5, String::new()));
}

#[test]
fn syntax_errors_and_non_utf8_source_are_python_errors() {
    let o = run("print(\n");
    assert_eq!(exited(&o), 1);
    assert!(stderr(&o).contains("SyntaxError"), "{}", stderr(&o));
    let o = python()
        .run(
            &Source::file("bad.py", b"print('\xff\xfe')\n".to_vec()),
            RunRequest::default(),
        )
        .unwrap();
    assert_eq!(exited(&o), 1);
    assert!(stderr(&o).contains("SyntaxError"), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.py"), "{}", stderr(&o));
    // A coding cookie is honoured, as by CPython.
    let o = python()
        .run(
            &Source::file(
                "latin.py",
                b"# -*- coding: latin-1 -*-\nprint('caf\xe9')\n".to_vec(),
            ),
            RunRequest::default(),
        )
        .unwrap();
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "caf\u{e9}\n");
}

#[test]
fn input_reads_stdin_and_argv_is_set() {
    let policy = Policy {
        stdin: Stdin::Bytes(b"Ada\nLovelace\n".to_vec()),
        args: vec!["x".into(), "--flag".into()],
        ..Policy::default()
    };
    let o = python()
        .run(
            &Source::file(
                "greet.py",
                "import sys\nprint(sys.argv)\nprint('hi', input(), input())\n",
            ),
            RunRequest::new(Limits::default(), policy),
        )
        .unwrap();
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "['greet.py', 'x', '--flag']\nhi Ada Lovelace\n");
    let o = run("import sys; print(sys.argv)");
    assert_eq!(stdout(&o), "['-c']\n");
    let o = run("input()");
    assert_eq!(exited(&o), 1);
    assert!(stderr(&o).contains("EOFError"), "{}", stderr(&o));
}

#[test]
fn the_environment_is_only_what_was_granted() {
    let o = run("import os; print(dict(os.environ))");
    assert_eq!(stdout(&o), "{}\n");
    let policy = Policy {
        env: vec![("GREETING".into(), "hi".into())],
        ..Policy::default()
    };
    let o = run_req(
        "import os; print(dict(os.environ)); print(os.getenv('HOME'))",
        Limits::default(),
        policy,
    );
    assert_eq!(stdout(&o), "{'GREETING': 'hi'}\nNone\n");
}

#[test]
fn open_sees_the_mounts_and_only_them() {
    let ro = tempfile::tempdir().unwrap();
    let rw = tempfile::tempdir().unwrap();
    std::fs::write(ro.path().join("in.txt"), "from the host").unwrap();
    let policy = Policy {
        mounts: vec![
            Mount::read_only(ro.path(), "/data"),
            Mount::read_write(rw.path(), "/out"),
        ],
        ..Policy::default()
    };
    let code = r#"
text = open('/data/in.txt').read()
open('/out/result.txt', 'w').write(text.upper())
for path in ('/data/new.txt', '/etc/passwd', '/tmp/x'):
    try:
        open(path, 'w').write('x')
        print('wrote', path)
    except OSError as e:
        print('refused', path, type(e).__name__)
try:
    open('/etc/passwd').read()
except OSError as e:
    print('no /etc/passwd:', type(e).__name__)
"#;
    let o = run_req(code, Limits::default(), policy);
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(rw.path().join("result.txt")).unwrap(),
        "FROM THE HOST"
    );
    let out = stdout(&o);
    assert!(!out.contains("wrote"), "{out}");
    assert!(out.contains("refused /data/new.txt"), "{out}");
    assert!(out.contains("refused /etc/passwd"), "{out}");
    assert!(out.contains("no /etc/passwd: FileNotFoundError"), "{out}");
    assert!(!ro.path().join("new.txt").exists());
}

#[test]
fn the_standard_library_mount_cannot_be_replaced() {
    let dir = tempfile::tempdir().unwrap();
    // Every spelling the guest's C library reads as /python (or under it), and paths that climb
    // out of the root.
    for path in [
        "/python",
        "/python/",
        "//python",
        "/./python",
        "python",
        "./python",
        "/python/email",
        "/../python",
        "/data/../x",
    ] {
        let policy = Policy {
            mounts: vec![Mount::read_write(dir.path(), path)],
            ..Policy::default()
        };
        let e = python()
            .run(
                &Source::inline("pass"),
                RunRequest::new(Limits::default(), policy),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{path}: {e}");
    }
    // Two directories at one path (as the C library reads it) would leave one of them unseen.
    let policy = Policy {
        mounts: vec![
            Mount::read_only(dir.path(), "/data"),
            Mount::read_only(dir.path(), "data/"),
        ],
        ..Policy::default()
    };
    let e = python()
        .run(
            &Source::inline("pass"),
            RunRequest::new(Limits::default(), policy),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
}

#[test]
fn the_root_and_the_standard_library_are_read_only() {
    let o = run(r#"
import os
for what, act in [
    ('create /new.txt', lambda: open('/new.txt', 'w')),
    ('mkdir /d', lambda: os.mkdir('/d')),
    ('create /python/evil.py', lambda: open('/python/evil.py', 'w')),
    ('append /python/os.py', lambda: open('/python/os.py', 'a')),
    ('remove /python/fractions.py', lambda: os.remove('/python/fractions.py')),
    ('rename /python/json', lambda: os.rename('/python/json', '/python/j')),
]:
    try:
        act()
        print('done:', what)
    except OSError as e:
        print('refused:', what, type(e).__name__)
import fractions
print(fractions.Fraction(2, 4))
"#);
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains("done:"), "{out}");
    assert_eq!(out.matches("refused:").count(), 6, "{out}");
    assert!(out.ends_with("1/2\n"), "{out}");
    // Nothing landed in the guest's directories.
    let guest = python().guest();
    assert_eq!(
        std::fs::read_dir(guest.dir.join("root")).unwrap().count(),
        0,
        "the empty root stays empty"
    );
    assert!(!guest.data_path().join("evil.py").exists());
    assert!(guest.data_path().join("fractions.py").exists());
    next_is_fine();
}

#[test]
fn a_writable_mount_at_the_root_leaves_the_standard_library_in_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("python")).unwrap();
    std::fs::write(
        dir.path().join("python/fractions.py"),
        "raise SystemExit(9)",
    )
    .unwrap();
    let policy = Policy {
        mounts: vec![Mount::read_write(dir.path(), ".")],
        ..Policy::default()
    };
    let o = run_req(
        "import fractions\nopen('/out.txt', 'w').write(str(fractions.Fraction(1, 2)))",
        Limits::default(),
        policy,
    );
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt")).unwrap(),
        "1/2"
    );
}

/// Modules of the standard library that cannot import in airlock's WASI build of CPython: each
/// wraps a C extension module the build does not have (`_bz2`, `_ctypes`, `_curses`, `_lzma`,
/// `termios`, `_sqlite3`, `_ssl`, `_tkinter`), or is Windows-only (`msilib`).
const NOT_ON_WASI: &[&str] = &[
    "bz2", "ctypes", "curses", "lzma", "msilib", "pty", "sqlite3", "ssl", "tkinter", "tty",
    "turtle",
];

#[test]
fn every_pure_python_standard_module_imports() {
    let code = r#"
import importlib, pkgutil, sys, io
failed = []
names = sorted(m.name for m in pkgutil.iter_modules(['/python']))
ok = 0
for name in names:
    if name.startswith('__') or name in ('antigravity', 'this'):
        continue
    saved = sys.stdout
    sys.stdout = io.StringIO()
    try:
        importlib.import_module(name)
        ok += 1
    except BaseException as e:
        failed.append(f'{name}:{type(e).__name__}:{e}')
    finally:
        sys.stdout = saved
print(ok)
print('\n'.join(failed))
"#;
    let o = run_req(code, short(60_000), Policy::default());
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    // Packages' submodules too (a sample of the ones code reaches for).
    let o2 = run(
        "import email.mime.text, xml.etree.ElementTree, json.tool, http.client, urllib.request, asyncio, concurrent.futures, importlib.metadata, gzip, zoneinfo, wsgiref.simple_server, xmlrpc.client, logging.handlers\nprint('ok')",
    );
    assert_eq!(stdout(&o2), "ok\n", "{}", stderr(&o2));
    let mut lines = out.lines();
    let ok: usize = lines.next().unwrap().parse().unwrap();
    assert!(ok > 170, "{ok} modules imported");
    let failures: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    let unexpected: Vec<&&str> = failures
        .iter()
        .filter(|f| !NOT_ON_WASI.contains(&f.split(':').next().unwrap()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "unexpected import failures: {unexpected:#?}"
    );
}

#[test]
fn modules_outside_the_snapshot_import_from_the_mounted_library() {
    let o = run(
        "import difflib, fractions, textwrap, xml.dom.minidom\nprint(fractions.Fraction(1, 3) * 3)\nprint(difflib.SequenceMatcher(None, 'abc', 'abd').ratio())",
    );
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "1\n0.6666666666666666\n");
}

#[test]
fn output_reaches_the_host_as_it_is_written() {
    // The line printed before the loop is captured even though the run is then stopped.
    let o = run_req(
        "print('before', flush=False)\nwhile True: pass",
        short(300),
        Policy::default(),
    );
    assert!(matches!(o.status, Status::Timeout { .. }), "{:?}", o.status);
    assert_eq!(stdout(&o), "before\n");
}

#[test]
fn each_run_is_fresh() {
    let o =
        run("import random, sys\nx = 1\nsys.modules['json'].marker = 1\nprint(random.random())");
    let first = stdout(&o);
    let o = run("import json\nprint('x' in globals(), hasattr(json, 'marker'))");
    assert_eq!(stdout(&o), "False False\n");
    // Random state is not the snapshot's: two runs give different numbers.
    let second = stdout(&run("import random; print(random.random())"));
    assert_ne!(first, second);
}

#[test]
fn deterministic_runs_repeat_exactly() {
    let policy = Policy {
        deterministic: Some(7),
        ..Policy::default()
    };
    let code = "import random, time, os\nprint(random.random(), os.urandom(4).hex(), time.time())";
    let a = stdout(&run_req(code, Limits::default(), policy.clone()));
    let b = stdout(&run_req(code, Limits::default(), policy));
    assert_eq!(a, b);
    assert!(
        a.contains("17040672"),
        "virtual clock starts at 2024-01-01: {a}"
    );
}

#[test]
fn the_trace_shows_what_python_did() {
    let mut req = RunRequest::new(Limits::default(), Policy::default());
    req.trace = TraceConfig {
        enabled: true,
        ..TraceConfig::default()
    };
    let o = python()
        .run(
            &Source::inline("import difflib\ntry:\n    open('/etc/shadow')\nexcept OSError:\n    pass\nprint('x')"),
            req,
        )
        .unwrap();
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    let trace = o.trace.expect("trace");
    let text: Vec<String> = trace.events.iter().map(|e| e.to_string()).collect();
    let all = text.join("\n");
    assert!(all.contains("difflib"), "the stdlib read is traced: {all}");
    assert!(all.contains("stdout") || all.contains("write"), "{all}");
    // A probe outside every mount reaches the host, and is seen finding nothing.
    assert!(
        text.iter()
            .any(|e| e.contains("path_open") && e.contains("etc/shadow") && e.contains("noent")),
        "{all}"
    );
}

#[test]
fn outside_the_mounts_is_an_empty_file_system() {
    let o = run(r#"
import os
print(os.listdir('/'))
for path in ('/etc/passwd', '/proc/self/environ', '/root/.ssh/id_rsa', '/../../etc/hosts'):
    try:
        open(path).read()
        print('read', path)
    except OSError as e:
        print(type(e).__name__, path)
"#);
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "[]\nFileNotFoundError /etc/passwd\nFileNotFoundError /proc/self/environ\n\
         FileNotFoundError /root/.ssh/id_rsa\nPermissionError /../../etc/hosts\n"
    );
    // (A path that climbs out of the root is refused, not resolved.)
}

#[test]
fn a_mount_at_the_root_takes_the_empty_roots_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), "at the root").unwrap();
    let policy = Policy {
        mounts: vec![Mount::read_only(dir.path(), "/")],
        ..Policy::default()
    };
    // The standard library stays at /python, past the snapshot's modules too.
    let o = run_req(
        "import fractions, os\nprint(open('/hello.txt').read(), sorted(os.listdir('/')))",
        Limits::default(),
        policy,
    );
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "at the root ['hello.txt']\n");
}

#[test]
fn a_sessions_mounts_outlive_a_reset() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (i, d) in dirs.iter().enumerate() {
        std::fs::write(d.path().join("a.txt"), format!("dir{i}")).unwrap();
    }
    let policy = Policy {
        mounts: vec![
            Mount::read_only(dirs[0].path(), "/first"),
            Mount::read_only(dirs[1].path(), "/second/dir"),
            Mount::read_only(dirs[2].path(), "third"),
        ],
        ..Policy::default()
    };
    let mut s = python()
        .session(RunRequest::new(Limits::default(), policy))
        .unwrap();
    let read = "print(*(open(p + '/a.txt').read() for p in ('/first', '/second/dir', '/third')))";
    for _ in 0..2 {
        assert_eq!(stdout(&s.exec(read).unwrap()), "dir0 dir1 dir2\n");
        assert_eq!(stdout(&s.exec(read).unwrap()), "dir0 dir1 dir2\n");
        s.reset().unwrap();
    }
}

#[test]
fn the_trace_marks_denied_calls_and_opens_for_writing() {
    let ro = tempfile::tempdir().unwrap();
    let rw = tempfile::tempdir().unwrap();
    let mut req = RunRequest::new(
        Limits::default(),
        Policy {
            mounts: vec![
                airlock::Mount::read_only(ro.path(), "/ro"),
                airlock::Mount::read_write(rw.path(), "/rw"),
            ],
            ..Policy::default()
        },
    );
    req.trace = TraceConfig {
        enabled: true,
        ..TraceConfig::default()
    };
    let code = "try:\n    open('/ro/new.txt', 'w')\nexcept OSError:\n    print('refused')\n\
                open('/rw/a.txt', 'w').close()\nopen('/rw/a.txt').read()";
    let o = python().run(&Source::inline(code), req).unwrap();
    assert_eq!(stdout(&o), "refused\n", "{}", stderr(&o));
    let trace = o.trace.expect("trace");
    let opens: Vec<_> = trace
        .events
        .iter()
        .filter(|e| {
            e.call == "path_open" && (e.args.contains("new.txt") || e.args.contains("a.txt"))
        })
        .map(|e| (e.args.contains("new.txt"), e.denied, e.category))
        .collect();
    assert_eq!(
        opens,
        vec![
            (true, true, airlock::Category::FilesystemWrite),
            (false, false, airlock::Category::FilesystemWrite),
            (false, false, airlock::Category::FilesystemRead),
        ],
        "{:#?}",
        trace.events
    );
}

// ---- sessions ----

#[test]
fn a_session_keeps_its_globals_across_calls() {
    let mut s = python().session(RunRequest::default()).unwrap();
    assert_eq!(
        exited(&s.exec("x = 20\ndef double(n): return 2 * n").unwrap()),
        0
    );
    let o = s.exec("print(double(x) + 2)").unwrap();
    assert_eq!(stdout(&o), "42\n");
    // An exception does not end the session.
    let o = s.exec("undefined_name").unwrap();
    assert_eq!(exited(&o), 1);
    assert!(stderr(&o).contains("NameError"));
    assert_eq!(stdout(&s.exec("print(x)").unwrap()), "20\n");
    // Output is per call.
    assert_eq!(s.exec("pass").unwrap().stdout.bytes, b"");
    s.reset().unwrap();
    let o = s.exec("print('x' in globals())").unwrap();
    assert_eq!(stdout(&o), "False\n");
}

/// A session that ended: calls are refused until it is reset, and then it runs again.
fn ended_then_reset(s: &mut airlock::python::PythonSession) {
    assert!(!s.is_alive());
    assert_eq!(
        s.exec("print(x)").unwrap_err().kind(),
        ErrorKind::SessionEnded
    );
    s.reset().unwrap();
    assert_eq!(stdout(&s.exec("print(1 + 1)").unwrap()), "2\n");
}

#[test]
fn a_session_that_times_out_must_be_reset() {
    let mut s = python()
        .session(RunRequest::new(short(300), Policy::default()))
        .unwrap();
    s.exec("x = 1").unwrap();
    let started = Instant::now();
    let o = s.exec("while True: pass").unwrap();
    assert!(matches!(o.status, Status::Timeout { .. }));
    assert!(started.elapsed() < Duration::from_secs(3));
    ended_then_reset(&mut s);
}

#[test]
fn a_session_whose_interpreter_exited_must_be_reset() {
    // `os._exit` leaves the interpreter through WASI's exit: the call reports its code, and the
    // session ends rather than trapping on the next call.
    let mut s = python().session(RunRequest::default()).unwrap();
    s.exec("x = 1").unwrap();
    let o = s.exec("import os; os._exit(3)").unwrap();
    assert_eq!(o.status, Status::Exited { code: 3 });
    ended_then_reset(&mut s);
    // sys.exit is an exception the guest handles: the session goes on.
    assert_eq!(
        s.exec("import sys; sys.exit(4)").unwrap().status,
        Status::Exited { code: 4 }
    );
    assert!(s.is_alive());
}

/// A live session holds its slot: with every slot taken, another session's call is refused as
/// `Busy` (nothing ran, the session is not ended) and succeeds once a slot is free.
#[test]
fn a_session_past_the_sandboxs_slots_is_busy_until_one_is_free() {
    let guest = guest::find(GuestKind::Python, None).unwrap();
    let sandbox = Sandbox::new(SandboxConfig {
        max_concurrent_runs: 1,
        ..SandboxConfig::default()
    })
    .unwrap();
    let python = Python::load(&sandbox, &guest).unwrap();
    let mut first = python.session(RunRequest::default()).unwrap();
    first.exec("x = 1").unwrap();
    let mut second = python.session(RunRequest::default()).unwrap();
    let refused = second.exec("print(2)").unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Busy);
    assert!(second.is_alive());
    // The held session is unaffected.
    assert_eq!(stdout(&first.exec("print(x)").unwrap()), "1\n");
    drop(first);
    assert_eq!(stdout(&second.exec("print(2)").unwrap()), "2\n");
}

#[test]
fn limits_apply_per_session_call() {
    let limits = Limits {
        max_output_bytes: 100,
        ..short(2_000)
    };
    let mut s = python()
        .session(RunRequest::new(limits, Policy::default()))
        .unwrap();
    for _ in 0..3 {
        // Each call may print 60 bytes: the limit is not cumulative.
        let o = s.exec("print('y' * 59)").unwrap();
        assert_eq!(exited(&o), 0);
        assert_eq!(o.stdout.bytes.len(), 60);
    }
}

// ---- hostile code ----

#[test]
fn an_infinite_loop_times_out() {
    let started = Instant::now();
    let o = run_req("while True: pass", short(500), Policy::default());
    assert!(
        matches!(o.status, Status::Timeout { limit_ms: 500 }),
        "{:?}",
        o.status
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    next_is_fine();
}

#[test]
fn fuel_runs_out() {
    let limits = Limits {
        fuel: Some(50_000_000),
        ..Limits::default()
    };
    let o = run_req("n = 0\nwhile True: n += 1", limits, Policy::default());
    assert!(
        matches!(o.status, Status::FuelExhausted { .. }),
        "{:?}",
        o.status
    );
    next_is_fine();
}

#[test]
fn a_huge_list_is_a_memory_error_inside_python() {
    // 4 GB of list on a 256 MiB limit: CPython raises MemoryError and carries on.
    let o = run(
        "try:\n    x = [0] * 10**9\nexcept MemoryError:\n    print('MemoryError caught')\nprint(len([0] * 1000))",
    );
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "MemoryError caught\n1000\n");
    let o = run("x = [0] * 10**8");
    assert_eq!(exited(&o), 1);
    assert!(stderr(&o).contains("MemoryError"), "{}", stderr(&o));
    // 10**10 items do not even fit a 32-bit size: an OverflowError, as on any 32-bit CPython.
    let o = run("x = [0] * 10**10");
    assert_eq!(exited(&o), 1);
    assert!(stderr(&o).contains("OverflowError"), "{}", stderr(&o));
    next_is_fine();
}

#[test]
fn growing_memory_stops_at_the_limit() {
    let limits = Limits {
        memory_bytes: 64 * MIB,
        ..short(20_000)
    };
    let o = run_req(
        "chunks = []\nwhile True:\n    chunks.append(bytearray(1 << 20))",
        limits,
        Policy::default(),
    );
    match &o.status {
        Status::Exited { code: 1 } => assert!(stderr(&o).contains("MemoryError"), "{}", stderr(&o)),
        Status::MemoryLimit { .. } => {}
        other => panic!("expected MemoryError or memory_limit, got {other:?}"),
    }
    assert!(o.resources.peak_memory_bytes <= 64 * MIB);
    assert!(o.resources.memory_limit_hit);
    next_is_fine();
}

#[test]
fn deep_recursion_is_contained() {
    let o = run("def f(n): return f(n + 1)\nf(0)");
    assert_eq!(exited(&o), 1);
    assert!(stderr(&o).contains("RecursionError"), "{}", stderr(&o));
    // Recursion in C (repr of a deeply nested list) ends as an error or a trap, never a crash.
    let o = run("x = []\nfor _ in range(200000): x = [x]\nprint(len(repr(x)))");
    match &o.status {
        Status::Exited { code: 1 } => {
            assert!(stderr(&o).contains("RecursionError"), "{}", stderr(&o))
        }
        Status::Trap { code, .. } => assert_eq!(code, "stack_overflow"),
        other => panic!("unexpected {other:?}"),
    }
    next_is_fine();
}

#[test]
fn processes_sockets_and_native_code_are_unavailable() {
    let code = r#"
import os
attempts = {
    'os.system': lambda: os.system('id'),
    'os.fork': lambda: os.fork(),
    'os.execv': lambda: os.execv('/bin/sh', ['sh']),
    'subprocess': lambda: __import__('subprocess').run(['ls']),
    'socket': lambda: __import__('socket').create_connection(('1.1.1.1', 80), timeout=1),
    'dns': lambda: __import__('socket').gethostbyname('example.com'),
    'ctypes': lambda: __import__('ctypes').CDLL(None),
    'thread': lambda: __import__('threading').Thread(target=print).start(),
}
for name, attempt in attempts.items():
    try:
        attempt()
        print(name, 'SUCCEEDED')
    except BaseException as e:
        print(name, 'refused', type(e).__name__)
"#;
    let o = run(code);
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains("SUCCEEDED"), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.contains("refused")).count(),
        8,
        "{out}"
    );
    next_is_fine();
}

#[test]
fn a_thread_bomb_is_contained() {
    let code = "import threading\nn = 0\nfor i in range(10000):\n    try:\n        threading.Thread(target=lambda: None).start(); n += 1\n    except RuntimeError:\n        pass\nprint(n)";
    let o = run_req(code, short(10_000), Policy::default());
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "0\n");
    next_is_fine();
}

#[test]
fn printing_a_gigabyte_stops_at_the_output_limit() {
    let limits = Limits {
        max_output_bytes: MIB,
        ..short(20_000)
    };
    let started = Instant::now();
    let o = run_req(
        "line = 'x' * 1023\nfor _ in range(1 << 20): print(line)",
        limits,
        Policy::default(),
    );
    assert!(
        matches!(
            o.status,
            Status::OutputLimit {
                stream: Stream::Stdout,
                ..
            }
        ),
        "{:?}",
        o.status
    );
    assert_eq!(o.stdout.bytes.len() as u64, MIB);
    assert!(o.stdout.truncated);
    assert!(started.elapsed() < Duration::from_secs(10));
    next_is_fine();
}

#[test]
fn fifty_megabytes_of_source_end_with_a_typed_outcome() {
    let line = "x = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'\n";
    let source = line.repeat(50_000_000 / line.len());
    let started = Instant::now();
    let o = python()
        .run(
            &Source::file("big.py", source.into_bytes()),
            RunRequest::new(short(5_000), Policy::default()),
        )
        .unwrap();
    // Whatever it is (done, MemoryError, timeout, memory limit), it is an outcome in bounded time.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        o.status
    );
    assert!(!matches!(o.status, Status::Trap { .. }), "{:?}", o.status);
    next_is_fine();
}

#[test]
fn opening_files_without_closing_them_stops_at_the_handle_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.txt"), "x").unwrap();
    let policy = Policy {
        mounts: vec![Mount::read_only(dir.path(), "/data")],
        ..Policy::default()
    };
    // Well under the limit, many files open at once are fine.
    let o = run_req(
        "fs = [open('/data/f.txt') for _ in range(150)]\nprint(sum(len(f.read()) for f in fs))",
        Limits::default(),
        policy.clone(),
    );
    assert_eq!(exited(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "150\n");
    // Past the limit (512: about 500 files open, or 160 open and read) the run ends.
    let o = run_req(
        "fs = [open('/data/f.txt') for _ in range(1_000_000)]",
        Limits::default(),
        policy,
    );
    assert!(
        matches!(
            o.status,
            Status::ResourceLimit {
                resource: airlock::LimitedResource::Handles,
                limit: 512,
                ..
            }
        ),
        "{:?}",
        o.status
    );
    next_is_fine();
}

#[test]
fn a_guest_this_airlock_cannot_run_says_to_reinstall() {
    let installed = python().guest();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(installed.dir.join("guest.json")).unwrap())
            .unwrap();
    // A guest directory with the given WebAssembly file, and an empty root if `root`.
    let guest_dir = |wasm: &[u8], root: bool| {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manifest.clone();
        m["component_size"] = wasm.len().into();
        std::fs::write(dir.path().join("python.wasm"), wasm).unwrap();
        std::fs::write(dir.path().join("guest.json"), m.to_string()).unwrap();
        std::fs::create_dir(dir.path().join("python")).unwrap();
        if root {
            std::fs::create_dir(dir.path().join("root")).unwrap();
        }
        dir
    };
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    // What earlier airlocks installed: a component.
    let component = wat::parse_str("(component)").unwrap();
    // A module, but copied without its empty root directory.
    let module = wat::parse_str("(module)").unwrap();
    for (wasm, root) in [(&component, true), (&module, false)] {
        let dir = guest_dir(wasm, root);
        let guest =
            guest::Guest::open(GuestKind::Python, dir.path(), guest::Origin::Explicit).unwrap();
        let e = Python::load(&sandbox, &guest).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::GuestUnavailable, "{e}");
        assert!(e.to_string().contains("airlock install python"), "{e}");
    }
}

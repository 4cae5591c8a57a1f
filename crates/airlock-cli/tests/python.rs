//! `airlock python`, `airlock doctor` and `airlock install` as a user runs them. Uses the
//! installed guest and the user's compiled-code cache (the README's test command installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{code, err, out, schema_errors};

/// Runs airlock with a secret in its own environment (that guests must not see).
fn airlock_with(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> std::process::Output {
    let mut env = env.to_vec();
    env.push(("AIRLOCK_TEST_SECRET", "hunter2"));
    common::airlock_with(args, stdin, &env)
}

fn airlock(args: &[&str]) -> std::process::Output {
    airlock_with(args, b"", &[])
}

#[test]
fn dash_c_runs_code_with_arguments() {
    let o = airlock(&[
        "python",
        "-c",
        "import sys; print('hi', sys.argv[1:])",
        "a",
        "-b",
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "hi ['a', '-b']\n");
}

#[test]
fn a_script_file_gets_its_name_and_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tool.py");
    std::fs::write(
        &script,
        "import sys\nprint(sys.argv)\nsys.exit(int(sys.argv[1]))\n",
    )
    .unwrap();
    let path = script.to_str().unwrap();
    let o = airlock(&["python", path, "7", "--verbose"]);
    assert_eq!(code(&o), 7, "{}", err(&o));
    assert_eq!(out(&o), format!("['{path}', '7', '--verbose']\n"));
}

#[test]
fn dash_reads_the_code_from_stdin() {
    let o = airlock_with(&["python", "-"], b"print(sum(range(10)))\n", &[]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "45\n");
}

#[test]
fn input_reads_airlock_stdin() {
    let o = airlock_with(&["python", "-c", "print(input()[::-1])"], b"olleh\n", &[]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "hello\n");
}

#[test]
fn exceptions_exit_1_with_the_traceback_on_stderr() {
    let o = airlock(&["python", "-c", "raise ValueError('nope')"]);
    assert_eq!(code(&o), 1);
    assert!(err(&o).contains("ValueError: nope"), "{}", err(&o));
}

#[test]
fn limits_and_their_exit_codes() {
    let o = airlock(&["python", "--timeout", "300ms", "-c", "while True: pass"]);
    assert_eq!(code(&o), 124, "{}", err(&o));
    let o = airlock(&[
        "python",
        "--max-output",
        "1KiB",
        "-c",
        "while True: print('x' * 100)",
    ]);
    assert_eq!(code(&o), 153, "{}", err(&o));
    let o = airlock(&["python", "--fuel", "1000000", "-c", "while True: pass"]);
    assert_eq!(code(&o), 152, "{}", err(&o));
}

#[test]
fn host_files_and_environment_are_invisible_unless_granted() {
    let o = airlock(&[
        "python",
        "-c",
        "import os\nprint(os.environ.get('AIRLOCK_TEST_SECRET'))\nprint(os.path.exists('/etc/passwd'))\nopen('/etc/passwd')",
    ]);
    assert_eq!(out(&o), "None\nFalse\n", "{}", err(&o));
    assert_eq!(code(&o), 1);
    assert!(
        err(&o).contains("FileNotFoundError") && err(&o).contains("'/etc/passwd'"),
        "{}",
        err(&o)
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.txt"), "41").unwrap();
    let mount = format!("{}::/data", dir.path().display());
    let o = airlock(&[
        "python",
        "--ro-dir",
        &mount,
        "--env",
        "AIRLOCK_TEST_SECRET",
        "-c",
        "import os\nprint(int(open('/data/n.txt').read()) + 1, os.environ['AIRLOCK_TEST_SECRET'])",
    ]);
    assert_eq!(out(&o), "42 hunter2\n", "{}", err(&o));
}

#[test]
fn json_outcome_and_report_follow_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let o = airlock(&[
        "python",
        "--json",
        "--report",
        report.to_str().unwrap(),
        "-c",
        "import difflib; print('ok')",
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let outcome: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(outcome["status"]["kind"], "exited");
    assert_eq!(outcome["stdout"], "ok\n");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["input"]["kind"], "python");
    assert_eq!(doc["input"]["name"], "<string>");
    assert_eq!(doc["input"]["runtime"]["name"], "python");
    assert!(
        doc["input"]["runtime"]["version"]
            .as_str()
            .unwrap()
            .starts_with("3.11")
    );
    let events = doc["events"].as_array().unwrap();
    assert!(
        events.iter().any(|e| e.to_string().contains("difflib")),
        "the stdlib import is in the trace"
    );
}

#[test]
fn a_missing_guest_says_how_to_get_it() {
    let o = airlock_with(
        &["python", "-c", "print(1)"],
        b"",
        &[("AIRLOCK_PYTHON_GUEST", "/nonexistent/guest")],
    );
    assert_eq!(code(&o), 69);
    assert!(err(&o).contains("airlock install python"), "{}", err(&o));
    assert!(err(&o).contains("/nonexistent/guest"), "{}", err(&o));
    let o = airlock(&["python", "--guest", "/nonexistent/dir", "-c", "print(1)"]);
    assert_eq!(code(&o), 69, "{}", err(&o));
}

#[test]
fn no_code_is_a_usage_error() {
    let o = airlock(&["python"]);
    assert_eq!(code(&o), 64);
    assert!(err(&o).contains("-c CODE"), "{}", err(&o));
    let o = airlock(&["python", "/nonexistent.py"]);
    assert_eq!(code(&o), 66, "{}", err(&o));
}

#[test]
fn doctor_says_what_it_found_and_what_is_missing() {
    let o = airlock(&["doctor"]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("CPython 3.11"), "{text}");
    assert!(text.contains("<- in use"), "{text}");
    assert!(text.contains("ready"), "{text}");
    // What building the guest needs (this machine built it, so all of it is there).
    assert!(text.contains("build python 3.11"), "{text}");
    assert!(
        text.contains("WebAssembly C toolchain (for `airlock install python`): installed"),
        "{text}"
    );
    let o = airlock_with(
        &["doctor"],
        b"",
        &[("AIRLOCK_PYTHON_GUEST", "/nonexistent/guest")],
    );
    assert_eq!(code(&o), 69);
    assert!(
        out(&o).contains("/nonexistent/guest does not exist"),
        "{}",
        out(&o)
    );
}

#[test]
fn install_is_a_no_op_when_up_to_date() {
    let o = airlock(&["install", "python"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).contains("up to date"), "{}", out(&o));
}

#[test]
fn without_the_cache_the_guest_is_verified_and_compiled() {
    // Reads the component, checks it against its manifest's SHA-256, compiles it (~5 s).
    let o = airlock(&["python", "--no-cache", "-c", "print('compiled')"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "compiled\n");
}

#[test]
fn a_tampered_guest_is_refused() {
    let installed = String::from_utf8(airlock(&["doctor"]).stdout).unwrap();
    // The guest in use, as doctor reports it.
    let dir = installed
        .lines()
        .find(|l| l.contains("<- in use"))
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with('/')))
        .map(|w| w.trim_end_matches(':').to_string())
        .expect("doctor names the guest in use");
    let copy = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(&dir);
    std::fs::copy(src.join("guest.json"), copy.path().join("guest.json")).unwrap();
    std::os::unix::fs::symlink(src.join("python"), copy.path().join("python")).unwrap();
    std::fs::create_dir(copy.path().join("root")).unwrap();
    let mut wasm = std::fs::read(src.join("python.wasm")).unwrap();
    let last = wasm.len() - 1;
    wasm[last] ^= 1;
    std::fs::write(copy.path().join("python.wasm"), wasm).unwrap();
    let o = airlock(&[
        "python",
        "--no-cache",
        "--guest",
        copy.path().to_str().unwrap(),
        "-c",
        "print(1)",
    ]);
    assert_eq!(code(&o), 78, "{}", err(&o));
    assert!(err(&o).contains("SHA-256"), "{}", err(&o));
}

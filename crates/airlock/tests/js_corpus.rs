//! The emulated environments on the labelled JavaScript corpus (`tests/corpus/js`, a copy of
//! the project's shared corpus; `AIRLOCK_JS_CORPUS` points elsewhere): every sample, run in the
//! environment its `host:` tag names, must yield exactly the indicators its label lists (nothing
//! missing, nothing extra), compared as the corpus README says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use airlock::emulation::Indicators;
use airlock::guest::{self, GuestKind};
use airlock::js::{Environment, Js, Script};
use airlock::{Limits, Policy, RunRequest, Sandbox, SandboxConfig, Status};
use serde_json::Value;

fn corpus() -> PathBuf {
    std::env::var_os("AIRLOCK_JS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/corpus/js"
            ))
        })
}

/// The emulator's values of the placeholders the labels use (longest value first).
const WINDOWS: [(&str, &str); 6] = [
    ("%LOCALAPPDATA%", r"C:\Users\user\AppData\Local"),
    ("%APPDATA%", r"C:\Users\user\AppData\Roaming"),
    ("%TEMP%", r"C:\Users\user\AppData\Local\Temp"),
    ("%PROGRAMDATA%", r"C:\ProgramData"),
    ("%USERPROFILE%", r"C:\Users\user"),
    ("%PUBLIC%", r"C:\Users\Public"),
];
const NODE: [(&str, &str); 2] = [("%HOME%", "/home/user"), ("%TMPDIR%", "/tmp")];

fn placeholders(s: &str, env: &Environment) -> String {
    let mut table: Vec<(&str, &str)> = match env {
        Environment::Node => NODE.to_vec(),
        _ => WINDOWS.to_vec(),
    };
    table.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    let mut out = s.to_string();
    for (k, v) in table {
        out = out.replace(v, k);
    }
    out
}

fn url_matches(expected: &str, observed: &str) -> bool {
    if expected == observed {
        return true;
    }
    match observed.strip_prefix(expected) {
        Some(rest) => rest.starts_with(['?', '&', '#']) || expected.ends_with(['/', '?', '=', '&']),
        None => false,
    }
}

fn domain_matches(expected: &str, observed: &str) -> bool {
    observed == expected || observed.ends_with(&format!(".{expected}"))
}

fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// How an expected value matches an observed one.
type Matcher = fn(&str, &str) -> bool;

/// Differences between a label's expected indicators and what was observed.
fn compare(expected: &Value, observed: &Indicators, env: &Environment) -> Vec<String> {
    let lists: [(&str, Vec<String>, Matcher); 5] = [
        ("urls", observed.urls.clone(), url_matches),
        ("domains", observed.domains.clone(), domain_matches),
        (
            "commands",
            observed
                .commands
                .iter()
                .map(|c| placeholders(c, env))
                .collect(),
            same_text,
        ),
        (
            "files_written",
            observed
                .files_written
                .iter()
                .map(|f| placeholders(&f.path, env))
                .collect(),
            same_text,
        ),
        (
            "registry_keys",
            observed.registry.iter().map(|r| r.key.clone()).collect(),
            same_text,
        ),
    ];
    let mut problems = Vec::new();
    for (name, seen, matches) in lists {
        let want: Vec<String> = expected[name]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let missing: Vec<&String> = want
            .iter()
            .filter(|w| !seen.iter().any(|s| matches(w, s)))
            .collect();
        let extra: Vec<&String> = seen
            .iter()
            .filter(|s| !want.iter().any(|w| matches(w, s)))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("missing {name}: {missing:?}"));
        }
        if !extra.is_empty() {
            problems.push(format!("extra {name}: {extra:?}"));
        }
    }
    problems
}

#[test]
fn every_labelled_sample_yields_exactly_its_indicators() {
    let dir = corpus();
    let labels: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("labels.json")).expect("the corpus's labels.json"),
    )
    .expect("labels are JSON");
    assert!(labels.len() >= 40, "{} labels", labels.len());
    let guest =
        guest::find(GuestKind::Js, None).expect("the JavaScript guest (airlock install js)");
    let sandbox = Sandbox::new(SandboxConfig::default()).expect("sandbox");
    let js = Js::load(&sandbox, &guest).expect("load");
    let mut failures = Vec::new();
    for label in &labels {
        let file = label["file"].as_str().expect("file");
        let host = label["techniques"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find_map(|t| t.strip_prefix("host:"))
            .unwrap_or("browser");
        let env = match host {
            "wsh" => Environment::Wsh,
            "node" => Environment::Node,
            _ => Environment::Browser,
        };
        let code = std::fs::read(dir.join("samples").join(file)).expect("sample");
        let limits = Limits {
            timeout: std::time::Duration::from_secs(10),
            ..Limits::default()
        };
        let run = js
            .run(
                &Script::file(file, code),
                &env,
                RunRequest::new(limits, Policy::default()),
            )
            .expect("run");
        if !matches!(run.outcome.status, Status::Exited { .. }) {
            failures.push(format!("{file}: {:?}", run.outcome.status));
            continue;
        }
        let emulation = run.emulation.expect("emulation");
        let problems = compare(&label["expected_iocs"], &emulation.indicators, &env);
        if !problems.is_empty() {
            failures.push(format!(
                "{file} [{}]:\n    {}\n    stderr: {}",
                env.name(),
                problems.join("\n    "),
                run.outcome
                    .stderr
                    .text()
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" | ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} samples differ from their labels:\n{}",
        failures.len(),
        labels.len(),
        failures.join("\n")
    );
}

#[test]
fn the_comparison_follows_the_corpus_rules() {
    assert!(url_matches(
        "https://a.example/collect",
        "https://a.example/collect?cc=1"
    ));
    assert!(url_matches(
        "https://a.example/c/",
        "https://a.example/c/4111"
    ));
    assert!(!url_matches("https://a.example/c", "https://a.example/cc"));
    assert!(domain_matches("d.oast.example", "x1.d.oast.example"));
    assert!(!domain_matches("d.oast.example", "xd.oast.example"));
    assert!(same_text("cmd  /c   WHOAMI", "cmd /c whoami"));
    assert_eq!(
        placeholders(r"C:\Users\user\AppData\Local\Temp\a.exe", &Environment::Wsh),
        r"%TEMP%\a.exe"
    );
}

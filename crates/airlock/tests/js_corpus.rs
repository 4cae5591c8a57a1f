//! The emulated environments on the labelled JavaScript corpus (`tests/corpus/js`, a copy of
//! the project's shared corpus; `AIRLOCK_JS_CORPUS` points elsewhere): every sample, run in the
//! environment its `host:` tag names, must yield exactly the indicators its label lists (nothing
//! missing, nothing extra), compared as the corpus README says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use airlock::corpus;
use airlock::guest::{self, GuestKind};
use airlock::js::{Environment, Js, Script};
use airlock::{Limits, Policy, RunRequest, Sandbox, SandboxConfig, Status};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    std::env::var_os("AIRLOCK_JS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/corpus/js"
            ))
        })
}

#[test]
fn every_labelled_sample_yields_exactly_its_indicators() {
    let dir = corpus_dir();
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
        let env = match corpus::label_host(label) {
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
        let observed = serde_json::to_value(&emulation.indicators).expect("indicators as JSON");
        let c = corpus::compare(&label["expected_iocs"], &observed, env.name());
        let problems: Vec<String> = c
            .missing
            .iter()
            .map(|m| format!("missing {m}"))
            .chain(c.extra.iter().map(|e| format!("extra {e}")))
            .collect();
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

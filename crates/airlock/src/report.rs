//! The versioned JSON report of a run: input, limits and policy, outcome, resources, and the
//! behaviour trace. Its schema is `docs/report.schema.json`; a change of meaning bumps
//! [`REPORT_VERSION`].

use serde::Serialize;

use crate::detect::WasmKind;
use crate::limits::{Limits, Policy};
use crate::outcome::{Outcome, Resources, Status};
use crate::sandbox::Program;
use crate::trace::{Category, Event};

/// The report format's version. 2: `limits.max_handles`; the `resource_limit` status (a table
/// refusal was a `memory_limit` in 1); the memory limit and `resources.peak_memory_bytes` count
/// all of a guest's memories together (1: each memory, the largest).
pub const REPORT_VERSION: u32 = 2;

/// The version of wasmtime airlock runs on.
pub const WASMTIME_VERSION: &str = "48.0.8";

/// What kind of input ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A WebAssembly module.
    Module,
    /// A WebAssembly component.
    Component,
    /// Python source, run by the Python guest.
    Python,
    /// JavaScript source, run by the JavaScript guest.
    Javascript,
}

impl From<WasmKind> for InputKind {
    fn from(k: WasmKind) -> Self {
        match k {
            WasmKind::Module => InputKind::Module,
            WasmKind::Component => InputKind::Component,
        }
    }
}

/// The guest runtime that ran a script.
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeInfo {
    /// `python`.
    pub name: String,
    /// The interpreter's version string.
    pub version: String,
    /// SHA-256 of the runtime's component, hex.
    pub component_sha256: String,
}

/// What was run.
#[derive(Debug, Clone, Serialize)]
pub struct Input {
    /// File name (or the name given to `load_bytes`, or `<string>` for inline code).
    pub name: String,
    /// Size of the input (binary WebAssembly, or source), bytes.
    pub size: u64,
    /// SHA-256 of the input, hex.
    pub sha256: String,
    /// Detected kind.
    pub kind: InputKind,
    /// The runtime that ran a script; absent for WebAssembly inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<RuntimeInfo>,
}

impl Input {
    /// A WebAssembly program.
    pub fn program(program: &Program) -> Input {
        Input {
            name: program.name().to_string(),
            size: program.size(),
            sha256: program.sha256_hex(),
            kind: program.kind().into(),
            runtime: None,
        }
    }

    /// Python source run by a Python guest.
    pub fn python(source: &crate::python::Source, guest: &crate::guest::Guest) -> Input {
        Input::script(&source.filename, &source.code, InputKind::Python, guest)
    }
}

impl Input {
    /// JavaScript source run by a JavaScript guest.
    pub fn javascript(script: &crate::js::Script, guest: &crate::guest::Guest) -> Input {
        Input::script(&script.filename, &script.code, InputKind::Javascript, guest)
    }

    fn script(name: &str, code: &[u8], kind: InputKind, guest: &crate::guest::Guest) -> Input {
        use sha2::Digest;
        Input {
            name: name.to_string(),
            size: code.len() as u64,
            sha256: crate::sandbox::hex(&sha2::Sha256::digest(code)),
            kind,
            runtime: Some(RuntimeInfo {
                name: guest.manifest.guest.as_str().into(),
                version: guest.manifest.runtime_version.clone(),
                component_sha256: guest.manifest.component_sha256.clone(),
            }),
        }
    }
}

/// The policy as recorded in a report: environment variable names only (values may be secrets).
#[derive(Debug, Clone, Serialize)]
pub struct PolicySummary {
    /// Mounts: host path, guest path, writable.
    pub mounts: Vec<crate::limits::Mount>,
    /// Names of the environment variables granted.
    pub env: Vec<String>,
    /// Guest arguments after the program name.
    pub args: Vec<String>,
    /// `null`, `"empty"`, `"bytes"` or `"inherit"`.
    pub stdin: &'static str,
    /// Always `"none"`.
    pub network: &'static str,
    /// The seed of a deterministic run, or `null`.
    pub deterministic_seed: Option<u64>,
}

/// How the run ended and what it printed.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeSummary {
    /// How the run ended.
    pub status: Status,
    /// The guest's exit code, if it exited.
    pub exit_code: Option<i32>,
    /// Standard output (lossy UTF-8).
    pub stdout: String,
    /// True if stdout was cut at the limit.
    pub stdout_truncated: bool,
    /// Standard error (lossy UTF-8).
    pub stderr: String,
    /// True if stderr was cut at the limit.
    pub stderr_truncated: bool,
}

/// The versioned report. It borrows the events from the outcome (no copy of a large trace).
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    /// Always `"airlock-report"`.
    pub format: &'static str,
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// airlock's version.
    pub airlock_version: &'static str,
    /// wasmtime's version.
    pub wasmtime_version: &'static str,
    /// What ran.
    pub input: Input,
    /// Limits in force.
    pub limits: Limits,
    /// Policy in force.
    pub policy: PolicySummary,
    /// How it ended.
    pub outcome: OutcomeSummary,
    /// What it used.
    pub resources: Resources,
    /// Whether host calls were traced.
    pub traced: bool,
    /// Host calls per category (all categories listed, kept and dropped calls counted).
    pub counts: std::collections::BTreeMap<&'static str, u64>,
    /// Host calls seen in total.
    pub events_total: u64,
    /// Host calls not kept because the event cap was reached.
    pub events_dropped: u64,
    /// The events kept, in order.
    pub events: &'a [Event],
    /// What an emulated environment saw (JavaScript runs with `--env`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emulation: Option<&'a crate::emulation::Emulation>,
    /// JSON pointers of the fields that are host timings (they differ between otherwise
    /// identical deterministic runs).
    pub host_timing_fields: Vec<&'static str>,
}

impl<'a> Report<'a> {
    /// Builds the report of one run of a WebAssembly program.
    pub fn new(
        program: &Program,
        limits: &Limits,
        policy: &Policy,
        outcome: &'a Outcome,
    ) -> Report<'a> {
        Report::with_input(Input::program(program), limits, policy, outcome)
    }

    /// Builds the report of one run of any input.
    pub fn with_input(
        input: Input,
        limits: &Limits,
        policy: &Policy,
        outcome: &'a Outcome,
    ) -> Report<'a> {
        let trace = outcome.trace.as_ref();
        let counts = Category::ALL
            .iter()
            .map(|c| {
                let n = trace.and_then(|t| t.counts.get(c)).copied().unwrap_or(0);
                (c.as_str(), n)
            })
            .collect();
        let mut host_timing_fields = vec!["/resources/wall_time_us"];
        if policy.deterministic.is_none() {
            host_timing_fields.push("/events/*/time_us");
        }
        Report {
            format: "airlock-report",
            version: REPORT_VERSION,
            airlock_version: env!("CARGO_PKG_VERSION"),
            wasmtime_version: WASMTIME_VERSION,
            input,
            limits: limits.clone(),
            policy: PolicySummary {
                mounts: policy.mounts.clone(),
                env: policy.env.iter().map(|(k, _)| k.clone()).collect(),
                args: policy.args.clone(),
                stdin: match policy.stdin {
                    crate::limits::Stdin::Empty => "empty",
                    crate::limits::Stdin::Bytes(_) => "bytes",
                    crate::limits::Stdin::Inherit => "inherit",
                },
                network: "none",
                deterministic_seed: policy.deterministic,
            },
            outcome: OutcomeSummary {
                status: outcome.status.clone(),
                exit_code: outcome.status.exit_code(),
                stdout: outcome.stdout.text().into_owned(),
                stdout_truncated: outcome.stdout.truncated,
                stderr: outcome.stderr.text().into_owned(),
                stderr_truncated: outcome.stderr.truncated,
            },
            resources: outcome.resources.clone(),
            traced: outcome.trace.is_some(),
            counts,
            events_total: trace.map_or(0, |t| t.total()),
            events_dropped: trace.map_or(0, |t| t.dropped),
            events: trace.map_or(&[], |t| t.events.as_slice()),
            emulation: None,
            host_timing_fields,
        }
    }

    /// Adds what an emulated environment saw.
    pub fn with_emulation(mut self, emulation: Option<&'a crate::emulation::Emulation>) -> Self {
        self.emulation = emulation;
        self
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use airlock::{Limits, Outcome, Policy, Program, RunRequest, Sandbox, SandboxConfig};

/// A guest of the WAT suite in `tests/guests`.
pub fn guest(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/guests")
        .join(name)
}

/// One shared sandbox without disk cache, as a long-lived service would hold.
pub fn sandbox() -> &'static Sandbox {
    static S: OnceLock<Sandbox> = OnceLock::new();
    S.get_or_init(|| {
        Sandbox::new(SandboxConfig {
            cache_dir: None,
            ..SandboxConfig::default()
        })
        .expect("sandbox")
    })
}

pub fn load(name: &str) -> Program {
    sandbox().load_file(guest(name)).expect("load guest")
}

pub fn run_with(name: &str, limits: Limits, policy: Policy) -> Outcome {
    sandbox()
        .run(&load(name), RunRequest::new(limits, policy))
        .expect("run")
}

pub fn run(name: &str) -> Outcome {
    run_with(name, Limits::default(), Policy::default())
}

/// Policy for the probe guest: `probe MODE [PATH]`.
pub fn probe_args(args: &[&str]) -> Policy {
    Policy {
        args: args.iter().map(|s| s.to_string()).collect(),
        ..Policy::default()
    }
}

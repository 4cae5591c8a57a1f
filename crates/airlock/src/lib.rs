//! # airlock
//!
//! Run untrusted WebAssembly hermetically on Wasmtime, under hard limits, and get a typed
//! [`Outcome`] back.
//!
//! A [`Sandbox`] is built once (engine, linkers, compiled-code cache, epoch ticker) and shared:
//! it is `Send + Sync`, and every run gets a fresh instance with its own store, pipes and
//! limits. Nothing of the host is visible to a guest unless its [`Policy`] grants it: no host
//! files, no host environment, no network.
//!
//! ```
//! use airlock::{Limits, Policy, RunRequest, Sandbox, SandboxConfig, Status};
//!
//! # fn main() -> Result<(), airlock::Error> {
//! let sandbox = Sandbox::new(SandboxConfig { cache_dir: None, ..SandboxConfig::default() })?;
//! let program = sandbox.load_bytes(
//!     "hello.wat",
//!     br#"(module
//!           (import "wasi_snapshot_preview1" "fd_write"
//!             (func $fd_write (param i32 i32 i32 i32) (result i32)))
//!           (memory (export "memory") 1)
//!           (data (i32.const 8) "hello\n")
//!           (func (export "_start")
//!             (i32.store (i32.const 0) (i32.const 8))
//!             (i32.store (i32.const 4) (i32.const 6))
//!             (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))"#,
//! )?;
//! let outcome = sandbox.run(&program, RunRequest::new(Limits::default(), Policy::default()))?;
//! assert_eq!(outcome.status, Status::Exited { code: 0 });
//! assert_eq!(outcome.stdout.bytes, b"hello\n");
//! # Ok(())
//! # }
//! ```
//!
//! Failures that stop a guest from starting are [`Error`]s; everything that happens once it
//! runs (exit, trap, timeout, fuel, memory, output and other resource limits) is a [`Status`].

pub mod analyze;
pub mod cache;
pub mod corpus;
mod detect;
mod determinism;
pub mod emulation;
mod error;
pub mod guest;
pub mod install;
pub mod js;
mod js_modules;
mod js_snapshot;
mod limiter;
mod limits;
mod outcome;
mod output;
pub mod python;
mod python_build;
pub mod report;
mod sandbox;
mod snapshot;
mod ticker;
pub mod trace;
mod trace_p1;
mod trace_p2;
pub mod verdict;
mod wasm_binary;

/// Locks `m`, also after a thread panicked holding it (the data stays usable: every critical
/// section here leaves it consistent).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub use detect::{WasmKind, diagnose, looks_like_text, to_binary};
pub use determinism::{VIRTUAL_EPOCH_SECS, VIRTUAL_STEP};
pub use error::{Error, ErrorKind, InvalidModule, Result};
pub use limits::{
    Limits, MAX_PER_RUN, MAX_TABLE_ELEMENTS, MAX_TIMEOUT, MIB, Mount, Policy, Stdin,
    raise_descriptor_limit,
};
pub use outcome::{Captured, Frame, LimitedResource, Outcome, Resources, Status, Stream};
pub use output::Sink;
pub use report::{REPORT_VERSION, Report};
pub use sandbox::{
    JS_KEEP_RESIDENT, MAX_GUEST_MEMORY, Program, RunRequest, Sandbox, SandboxConfig, read_bounded,
    read_stream_bounded,
};
pub use trace::{Category, Event, EventCallback, Trace, TraceConfig};

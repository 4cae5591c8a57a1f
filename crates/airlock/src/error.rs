//! The one error type of the library.
//!
//! Failures that stop a guest from *starting* (unreadable input, invalid module, unknown import,
//! missing entry point, bad configuration) are [`Error`]s. Everything that happens once the guest
//! runs (exit, trap, timeout, limits) is a [`Status`](crate::Status) inside an
//! [`Outcome`](crate::Outcome).

use std::path::PathBuf;

use serde::Serialize;

/// Where in a WebAssembly binary a problem was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidModule {
    /// What is wrong, in the validator's words.
    pub message: String,
    /// Byte offset of the problem in the binary, when known.
    pub offset: Option<usize>,
    /// The section in which the problem lies (`"export"`, `"code"`, ...), when known.
    pub section: Option<String>,
}

impl std::fmt::Display for InvalidModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        match (&self.section, self.offset) {
            (Some(s), Some(o)) => write!(f, " (at byte offset {o} = 0x{o:x}, in the {s} section)"),
            (None, Some(o)) => write!(f, " (at byte offset {o} = 0x{o:x})"),
            (Some(s), None) => write!(f, " (in the {s} section)"),
            (None, None) => Ok(()),
        }
    }
}

/// Stable names of the failure classes, shared by the error and the outcome so that every face
/// (CLI exit codes, JSON, Python exceptions) maps them once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input could not be read.
    Io,
    /// The input is larger than the configured maximum.
    TooLarge,
    /// The input is not a valid WebAssembly module or component.
    InvalidModule,
    /// The module or component lacks the entry point airlock calls.
    MissingEntry,
    /// The module imports something the sandbox does not provide.
    UnknownImport,
    /// An import exists but with another type than the sandbox provides.
    IncompatibleImport,
    /// A mount, argument, environment variable or limit is not acceptable.
    Config,
    /// A guest runtime (Python, JavaScript) is not installed.
    GuestUnavailable,
    /// The compiled-code cache failed in a way it could not heal.
    Cache,
    /// An output file (such as a report) could not be written.
    Write,
    /// A session's interpreter was stopped (timeout, trap, fuel) and must be reset.
    SessionEnded,
    /// Every slot of the sandbox is taken by runs in flight; nothing ran, retry later.
    Busy,
    /// Anything else: a bug in airlock or wasmtime.
    Internal,
}

impl ErrorKind {
    /// The stable snake_case name used in JSON documents.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::InvalidModule => "invalid_module",
            ErrorKind::MissingEntry => "missing_entry",
            ErrorKind::UnknownImport => "unknown_import",
            ErrorKind::IncompatibleImport => "incompatible_import",
            ErrorKind::Config => "config",
            ErrorKind::GuestUnavailable => "guest_unavailable",
            ErrorKind::Cache => "cache",
            ErrorKind::Write => "write",
            ErrorKind::SessionEnded => "session_ended",
            ErrorKind::Busy => "busy",
            ErrorKind::Internal => "internal",
        }
    }
}

/// Everything that can go wrong before or around a guest run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The input is larger than the configured maximum; it was refused before being read whole.
    #[error("input is {size} bytes, over the limit of {limit} bytes; refused without reading it")]
    TooLarge {
        /// Size of the input in bytes (at least `limit + 1` when it was a stream).
        size: u64,
        /// The limit in force.
        limit: u64,
    },
    /// The input is not a valid WebAssembly module or component.
    #[error("invalid WebAssembly: {0}")]
    InvalidModule(InvalidModule),
    /// The module or component lacks the entry point airlock calls.
    #[error(
        "missing entry point: {what} has no `{expected}` export{}",
        found_hint(found)
    )]
    MissingEntry {
        /// `"module"` or `"component"`.
        what: &'static str,
        /// The export airlock looked for (`_start`, `wasi:cli/run`).
        expected: String,
        /// The exports that do exist (at most a handful).
        found: Vec<String>,
    },
    /// The module imports a function (or other item) the sandbox does not provide.
    #[error("unknown import `{module}::{field}`: the sandbox does not provide it")]
    UnknownImport {
        /// Import module name (e.g. `wasi_snapshot_preview1`, `env`).
        module: String,
        /// Import field name.
        field: String,
    },
    /// An import the sandbox provides is declared with another type.
    #[error("incompatible import: {message}")]
    IncompatibleImport {
        /// Wasmtime's description of the mismatch.
        message: String,
    },
    /// A setting is not acceptable (a mount that does not exist, a zero limit, ...).
    #[error("{0}")]
    Config(String),
    /// A guest runtime is not available.
    #[error("{guest} guest runtime unavailable: {reason}. {hint}")]
    GuestUnavailable {
        /// Which runtime (`python`, `javascript`).
        guest: String,
        /// What was looked for and not found.
        reason: String,
        /// The command that fixes it.
        hint: String,
    },
    /// The compiled-code cache failed and could not heal itself.
    #[error("compiled-code cache at {}: {source}", path.display())]
    Cache {
        /// The cache path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A session's interpreter was stopped by a limit or a trap; reset the session to go on.
    #[error("the session has ended ({0}); reset it to go on")]
    SessionEnded(String),
    /// Every slot of the sandbox's pool is taken by runs and sessions in flight
    /// ([`SandboxConfig::max_concurrent_runs`](crate::SandboxConfig::max_concurrent_runs)), so
    /// the guest could not be instantiated: nothing of it ran. Retry when a run has ended (a
    /// live session holds its slot until it is dropped), or give the sandbox more slots.
    #[error(
        "the sandbox is busy: {0}; nothing ran (runs and live sessions take every slot of max_concurrent_runs): retry when one ends"
    )]
    Busy(String),
    /// A failure inside airlock or wasmtime that is not the input's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

fn found_hint(found: &[String]) -> String {
    if found.is_empty() {
        " (it exports nothing)".to_string()
    } else {
        format!(" (it exports: {})", found.join(", "))
    }
}

impl Error {
    /// The failure class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::TooLarge { .. } => ErrorKind::TooLarge,
            Error::InvalidModule(_) => ErrorKind::InvalidModule,
            Error::MissingEntry { .. } => ErrorKind::MissingEntry,
            Error::UnknownImport { .. } => ErrorKind::UnknownImport,
            Error::IncompatibleImport { .. } => ErrorKind::IncompatibleImport,
            Error::Config(_) => ErrorKind::Config,
            Error::GuestUnavailable { .. } => ErrorKind::GuestUnavailable,
            Error::Cache { .. } => ErrorKind::Cache,
            Error::Write { .. } => ErrorKind::Write,
            Error::SessionEnded(_) => ErrorKind::SessionEnded,
            Error::Busy(_) => ErrorKind::Busy,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    pub(crate) fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        Error::Internal(format!("{context}: {err:#}"))
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

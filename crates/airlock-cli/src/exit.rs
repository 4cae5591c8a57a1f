//! The CLI's exit codes: one per failure class, documented in `docs/exit-codes.md`.

use airlock::{ErrorKind, Status};

/// A usage error (bad flag, bad value).
pub const USAGE: i32 = 64;
/// The input is not valid WebAssembly, or is too large.
pub const INVALID_MODULE: i32 = 65;
/// The input file cannot be read.
pub const NO_INPUT: i32 = 66;
/// The module or component lacks its entry point.
pub const MISSING_ENTRY: i32 = 67;
/// The module imports something the sandbox does not provide (or with another type).
pub const UNKNOWN_IMPORT: i32 = 68;
/// A guest runtime (Python, JavaScript) is not installed.
pub const GUEST_UNAVAILABLE: i32 = 69;
/// An internal error in airlock.
pub const INTERNAL: i32 = 70;
/// The compiled-code cache failed, or an output file (the report) could not be written.
pub const CACHE: i32 = 74;
/// Every slot of the sandbox was taken; nothing ran, try again (EX_TEMPFAIL).
pub const BUSY: i32 = 75;
/// A setting cannot be applied (mount missing, limit out of range).
pub const CONFIG: i32 = 78;
/// The wall-clock timeout expired (as coreutils `timeout`).
pub const TIMEOUT: i32 = 124;
/// The guest trapped (128 + SIGABRT).
pub const TRAP: i32 = 134;
/// The guest hit the memory limit (128 + SIGKILL, as an OOM kill).
pub const MEMORY_LIMIT: i32 = 137;
/// The guest ran out of fuel (128 + SIGXCPU).
pub const FUEL_EXHAUSTED: i32 = 152;
/// The guest exceeded the output limit (128 + SIGXFSZ).
pub const OUTPUT_LIMIT: i32 = 153;
/// The guest went past another resource limit (host handles, table elements).
pub const RESOURCE_LIMIT: i32 = 154;

/// The exit code for an error that kept the guest from starting.
pub fn for_error(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::Io => NO_INPUT,
        ErrorKind::TooLarge | ErrorKind::InvalidModule => INVALID_MODULE,
        ErrorKind::MissingEntry => MISSING_ENTRY,
        ErrorKind::UnknownImport | ErrorKind::IncompatibleImport => UNKNOWN_IMPORT,
        ErrorKind::Config => CONFIG,
        ErrorKind::GuestUnavailable => GUEST_UNAVAILABLE,
        ErrorKind::Cache | ErrorKind::Write => CACHE,
        ErrorKind::Busy => BUSY,
        _ => INTERNAL,
    }
}

/// The exit code for a finished run: the guest's own code if it exited, else the class code.
pub fn for_status(status: &Status) -> i32 {
    match status {
        // Exit codes outside 0..=255 cannot be passed on faithfully: report failure.
        Status::Exited { code } => {
            if (0..=255).contains(code) {
                *code
            } else {
                1
            }
        }
        Status::Timeout { .. } => TIMEOUT,
        Status::FuelExhausted { .. } => FUEL_EXHAUSTED,
        Status::MemoryLimit { .. } => MEMORY_LIMIT,
        Status::OutputLimit { .. } => OUTPUT_LIMIT,
        Status::ResourceLimit { .. } => RESOURCE_LIMIT,
        _ => TRAP,
    }
}

//! The one outcome type of every guest run.

use std::time::Duration;

use serde::Serialize;

/// Which output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl std::fmt::Display for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        })
    }
}

/// One frame of a WebAssembly backtrace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frame {
    /// Function index in its module.
    pub func_index: u32,
    /// Function name from the name section, if any.
    pub func_name: Option<String>,
    /// Module name, if any.
    pub module_name: Option<String>,
    /// Byte offset of the instruction in the module, if known.
    pub offset: Option<usize>,
}

impl std::fmt::Display for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(m) = &self.module_name {
            write!(f, "{m}!")?;
        }
        match &self.func_name {
            Some(n) => write!(f, "{n}")?,
            None => write!(f, "func[{}]", self.func_index)?,
        }
        if let Some(o) = self.offset {
            write!(f, " @ 0x{o:x}")?;
        }
        Ok(())
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// The guest finished (returned from its entry point, or called `proc_exit`). `0` is success.
    Exited {
        /// The guest's exit code.
        code: i32,
    },
    /// The wall-clock timeout expired.
    Timeout {
        /// The limit in milliseconds.
        limit_ms: u64,
    },
    /// The guest used all its fuel.
    FuelExhausted {
        /// The fuel limit.
        limit: u64,
    },
    /// The guest needed more memory than allowed (it failed to grow, or could not start).
    MemoryLimit {
        /// The limit in bytes.
        limit_bytes: u64,
        /// What happened when the limit was hit.
        detail: String,
    },
    /// The guest wrote more than allowed to one stream; it was stopped there.
    OutputLimit {
        /// The stream that overflowed.
        stream: Stream,
        /// The per-stream limit in bytes.
        limit_bytes: u64,
    },
    /// The guest went past a limit on another resource than memory and output (see
    /// [`LimitedResource`]); it was stopped there.
    ResourceLimit {
        /// Which resource.
        resource: LimitedResource,
        /// The limit.
        limit: u64,
        /// What happened when the limit was hit.
        detail: String,
    },
    /// The guest trapped.
    Trap {
        /// Stable snake_case trap code (`unreachable`, `memory_out_of_bounds`, `stack_overflow`,
        /// ..., or `host` for an error raised by a host call).
        code: String,
        /// Human description.
        message: String,
        /// The innermost frames of the WebAssembly stack, innermost first.
        backtrace: Vec<Frame>,
    },
}

impl Status {
    /// The stable snake_case name of this status.
    pub fn kind(&self) -> &'static str {
        match self {
            Status::Exited { .. } => "exited",
            Status::Timeout { .. } => "timeout",
            Status::FuelExhausted { .. } => "fuel_exhausted",
            Status::MemoryLimit { .. } => "memory_limit",
            Status::OutputLimit { .. } => "output_limit",
            Status::ResourceLimit { .. } => "resource_limit",
            Status::Trap { .. } => "trap",
        }
    }

    /// The guest's exit code, if it exited.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Status::Exited { code } => Some(*code),
            _ => None,
        }
    }

    /// True if the guest exited with code 0.
    pub fn success(&self) -> bool {
        self.exit_code() == Some(0)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Exited { code } => write!(f, "exited with code {code}"),
            Status::Timeout { limit_ms } => {
                write!(
                    f,
                    "timeout: stopped after the {limit_ms} ms wall-clock limit"
                )
            }
            Status::FuelExhausted { limit } => {
                write!(f, "fuel exhausted: stopped after {limit} units of fuel")
            }
            Status::MemoryLimit {
                limit_bytes,
                detail,
            } => {
                write!(f, "memory limit: {detail} (limit {limit_bytes} bytes)")
            }
            Status::OutputLimit {
                stream,
                limit_bytes,
            } => write!(
                f,
                "output limit: {stream} exceeded {limit_bytes} bytes; the guest was stopped and its output truncated"
            ),
            Status::ResourceLimit {
                resource,
                limit,
                detail,
            } => write!(f, "{resource} limit: {detail} (limit {limit})"),
            Status::Trap {
                code,
                message,
                backtrace,
            } => {
                write!(f, "trap ({code}): {message}")?;
                if let Some(first) = backtrace.first() {
                    write!(f, " in {first}")?;
                }
                Ok(())
            }
        }
    }
}

/// A resource limited by [`Limits`](crate::Limits) whose overrun ends a run with
/// [`Status::ResourceLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LimitedResource {
    /// Host handles held at once ([`Limits::max_handles`](crate::Limits::max_handles)).
    Handles,
    /// Elements of a table ([`Limits::table_elements`](crate::Limits::table_elements)).
    TableElements,
}

impl std::fmt::Display for LimitedResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LimitedResource::Handles => "handle",
            LimitedResource::TableElements => "table",
        })
    }
}

/// Output captured from one stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The bytes kept (at most the output limit).
    pub bytes: Vec<u8>,
    /// True if the guest wrote more than was kept.
    pub truncated: bool,
}

impl Captured {
    /// The bytes as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// What the run used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// Wall-clock time of the run (instantiation and execution), microseconds.
    pub wall_time_us: u64,
    /// Fuel consumed, when fuel metering is on.
    pub fuel_consumed: Option<u64>,
    /// The most linear memory the guest had at once (all its memories together), bytes.
    pub peak_memory_bytes: u64,
    /// True if the guest asked for memory past the limit (and was refused).
    pub memory_limit_hit: bool,
}

/// The result of one guest run: how it ended, what it printed, what it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// How the run ended.
    pub status: Status,
    /// Captured standard output.
    pub stdout: Captured,
    /// Captured standard error.
    pub stderr: Captured,
    /// Resource figures.
    pub resources: Resources,
    /// The host calls the guest made, when tracing was on.
    pub trace: Option<crate::trace::Trace>,
}

impl Outcome {
    /// Wall-clock duration of the run.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(self.resources.wall_time_us)
    }
}

#[derive(Serialize)]
struct OutcomeJson<'a> {
    status: &'a Status,
    exit_code: Option<i32>,
    stdout: std::borrow::Cow<'a, str>,
    stdout_truncated: bool,
    stderr: std::borrow::Cow<'a, str>,
    stderr_truncated: bool,
    resources: &'a Resources,
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        OutcomeJson {
            status: &self.status,
            exit_code: self.status.exit_code(),
            stdout: self.stdout.text(),
            stdout_truncated: self.stdout.truncated,
            stderr: self.stderr.text(),
            stderr_truncated: self.stderr.truncated,
            resources: &self.resources,
        }
        .serialize(s)
    }
}

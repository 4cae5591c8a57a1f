//! Limits and policy: plain data with safe, finite defaults.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

/// 1 MiB.
pub const MIB: u64 = 1024 * 1024;

/// The longest timeout accepted: 30 days.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(30 * 86_400);

/// The most instances, memories or tables one run may be allowed: each run in flight has this
/// many slots of each in its sandbox's pool.
pub const MAX_PER_RUN: u32 = 16;

/// The most elements a table may be allowed (the size of a table slot in the pool).
pub const MAX_TABLE_ELEMENTS: u64 = 400_000;

/// The fewest host handles a run may be allowed ([`Limits::max_handles`]).
const MIN_HANDLES: u32 = 16;

/// Raises this process's soft limit on open descriptors (`RLIMIT_NOFILE`) to its hard limit, as
/// Go's runtime does when a program starts, and returns the soft limit then in force. The soft
/// limit is often 1,024, which a few runs at [`Limits::max_handles`] could use up. The `airlock`
/// command calls this; a program embedding the library decides for itself (the processes it
/// starts inherit the raised limit, and a program that uses `select` needs descriptors below
/// 1,024).
pub fn raise_descriptor_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    // An unlimited hard limit is capped by the kernel (`fs.nr_open`, 1,048,576 by default).
    let target = limit.maximum.unwrap_or(1 << 20);
    if limit.current.is_some_and(|soft| soft < target) {
        // Not being allowed to raise it leaves it as it was.
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(target),
                maximum: limit.maximum,
            },
        );
    }
    getrlimit(Resource::Nofile).current
}

/// Hard limits on one guest run. Every limit has a finite default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Wall-clock time for the whole run, host calls included. Default 10 s.
    #[serde(serialize_with = "ser_duration_ms", rename = "timeout_ms")]
    pub timeout: Duration,
    /// Fuel (about one unit per WebAssembly instruction). `None` = unmetered (the timeout still
    /// applies). Default `None`.
    pub fuel: Option<u64>,
    /// Bytes of linear memory the guest may have, all its memories together. Default 256 MiB.
    pub memory_bytes: u64,
    /// Bytes of output kept per stream (stdout, stderr). A guest that writes more is stopped
    /// with [`Status::OutputLimit`](crate::Status::OutputLimit). Default 1 MiB.
    pub max_output_bytes: u64,
    /// Elements per table. Default 100,000, at most [`MAX_TABLE_ELEMENTS`]. A guest that asks
    /// for more is refused, and when that stops it the run ends with
    /// [`Status::ResourceLimit`](crate::Status::ResourceLimit).
    pub table_elements: u64,
    /// Host handles a guest may hold at once: open files and directories, streams, timers and
    /// the other WASI resources (an open file is one to three: its descriptor and its streams;
    /// the standard streams and each mount count too). One more ends the run with
    /// [`Status::ResourceLimit`](crate::Status::ResourceLimit). Default 512, at least 16.
    ///
    /// Each handle may hold a host descriptor, and a process has a limited number of them,
    /// shared by all its sandboxes (`RLIMIT_NOFILE`, often 1,024 by default): keep this times
    /// the runs in flight under it, or raise it ([`raise_descriptor_limit`], as the `airlock`
    /// command does). The cap counts handles, not the host memory behind them (a directory
    /// listing is read whole for each stream that reads it).
    pub max_handles: u32,
    /// Instances, memories and tables a guest may create. Default 16 each, which is also the
    /// most allowed ([`MAX_PER_RUN`]).
    pub max_instances: u32,
    /// See [`Limits::max_instances`].
    pub max_memories: u32,
    /// See [`Limits::max_instances`].
    pub max_tables: u32,
}

fn ser_duration_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            fuel: None,
            memory_bytes: 256 * MIB,
            max_output_bytes: MIB,
            table_elements: 100_000,
            max_handles: 512,
            max_instances: MAX_PER_RUN,
            max_memories: MAX_PER_RUN,
            max_tables: MAX_PER_RUN,
        }
    }
}

impl Limits {
    /// Checks that the limits make sense (non-zero timeout and memory, a few handles) and are
    /// within what a sandbox can give (memory, table elements, instances, memories and tables).
    pub fn validate(&self) -> crate::Result<()> {
        if self.timeout > MAX_TIMEOUT {
            return Err(crate::Error::Config(format!(
                "the timeout must be at most {} days",
                MAX_TIMEOUT.as_secs() / 86_400
            )));
        }
        if self.timeout.is_zero() {
            return Err(crate::Error::Config(
                "the timeout must be greater than zero".into(),
            ));
        }
        if self.memory_bytes == 0 {
            return Err(crate::Error::Config(
                "the memory limit must be greater than zero".into(),
            ));
        }
        if self.memory_bytes > crate::sandbox::MAX_GUEST_MEMORY {
            return Err(crate::Error::Config(format!(
                "the memory limit {} is over the largest supported ({} bytes)",
                self.memory_bytes,
                crate::sandbox::MAX_GUEST_MEMORY
            )));
        }
        if self.table_elements > MAX_TABLE_ELEMENTS {
            return Err(crate::Error::Config(format!(
                "the table limit {} is over the largest supported ({MAX_TABLE_ELEMENTS} elements)",
                self.table_elements
            )));
        }
        if self.max_handles < MIN_HANDLES {
            return Err(crate::Error::Config(format!(
                "the handle limit must be at least {MIN_HANDLES} (the standard streams and the \
                 mounts take some)"
            )));
        }
        for (what, n) in [
            ("instances", self.max_instances),
            ("memories", self.max_memories),
            ("tables", self.max_tables),
        ] {
            if n > MAX_PER_RUN {
                return Err(crate::Error::Config(format!(
                    "the limit of {n} {what} is over the largest supported ({MAX_PER_RUN})"
                )));
            }
        }
        Ok(())
    }
}

/// A host directory made visible to the guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    /// The directory on the host.
    pub host: PathBuf,
    /// The path under which the guest sees it.
    pub guest: String,
    /// Whether the guest may create, write and delete in it.
    pub writable: bool,
}

impl Mount {
    /// A read-only mount.
    pub fn read_only(host: impl Into<PathBuf>, guest: impl Into<String>) -> Self {
        Mount {
            host: host.into(),
            guest: guest.into(),
            writable: false,
        }
    }
    /// A read-write mount.
    pub fn read_write(host: impl Into<PathBuf>, guest: impl Into<String>) -> Self {
        Mount {
            host: host.into(),
            guest: guest.into(),
            writable: true,
        }
    }
}

/// What the guest reads on its standard input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Stdin {
    /// Nothing: the first read sees end of file. The default.
    #[default]
    Empty,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// The host process's own standard input, read as the guest asks for it.
    Inherit,
}

/// What the guest may see of the host. Nothing is granted unless listed here; there is never
/// network access.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Directories made visible to the guest.
    pub mounts: Vec<Mount>,
    /// Environment variables the guest sees (and no others).
    pub env: Vec<(String, String)>,
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// The program name the guest sees as `argv[0]`.
    pub program_name: Option<String>,
    /// Standard input.
    #[serde(skip)]
    pub stdin: Stdin,
    /// `Some(seed)`: clocks are virtual (they start at 2024-01-01T00:00:00Z and advance 1 ms per
    /// read) and randomness comes from the seed, so that runs are reproducible.
    pub deterministic: Option<u64>,
}

impl Policy {
    /// Checks what can be checked before a run: environment variable names and values, and
    /// that every mount's host side is a directory.
    pub fn validate(&self) -> crate::Result<()> {
        for (k, v) in &self.env {
            if k.is_empty() || k.contains('=') || k.contains('\0') || v.contains('\0') {
                return Err(crate::Error::Config(format!(
                    "invalid environment variable name or value: {k:?}"
                )));
            }
        }
        for m in &self.mounts {
            match std::fs::metadata(&m.host) {
                Ok(md) if md.is_dir() => {}
                Ok(_) => {
                    return Err(crate::Error::Config(format!(
                        "cannot mount {}: not a directory",
                        m.host.display()
                    )));
                }
                Err(e) => {
                    return Err(crate::Error::Config(format!(
                        "cannot mount {}: {e}",
                        m.host.display()
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_past_what_the_pool_holds_are_refused() {
        assert!(Limits::default().validate().is_ok());
        let over = [
            Limits {
                table_elements: MAX_TABLE_ELEMENTS + 1,
                ..Limits::default()
            },
            Limits {
                max_instances: MAX_PER_RUN + 1,
                ..Limits::default()
            },
            Limits {
                max_memories: MAX_PER_RUN + 1,
                ..Limits::default()
            },
            Limits {
                max_tables: MAX_PER_RUN + 1,
                ..Limits::default()
            },
        ];
        let too_few = Limits {
            max_handles: MIN_HANDLES - 1,
            ..Limits::default()
        };
        assert!(too_few.validate().is_err());
        for l in over {
            let e = l.validate().unwrap_err();
            assert!(
                matches!(&e, crate::Error::Config(m) if m.contains("over the largest supported")),
                "{e}"
            );
        }
        let at_most = Limits {
            table_elements: MAX_TABLE_ELEMENTS,
            max_instances: MAX_PER_RUN,
            ..Limits::default()
        };
        assert!(at_most.validate().is_ok());
    }
}

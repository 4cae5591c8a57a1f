//! The behaviour trace: every call a guest makes to its host, as events.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

/// What kind of thing a host call does, for the per-category counts of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Reading files or metadata (open for reading, read, stat, readlink).
    FilesystemRead,
    /// Creating, writing, renaming, deleting files or directories.
    FilesystemWrite,
    /// Listing a directory.
    DirectoryListing,
    /// Arguments and environment variables.
    Environment,
    /// Clocks and sleeping.
    Clock,
    /// Random bytes.
    Random,
    /// Sockets and name lookups (always denied).
    NetworkAttempt,
    /// Exiting.
    ProcessExit,
    /// Everything else (stdio writes, descriptor bookkeeping, yielding).
    Other,
    /// Requests an emulated environment answered with fakes (HTTP, sockets, name lookups).
    Network,
    /// Processes started in an emulated environment (`WScript.Shell.Run`, `child_process`).
    Process,
    /// Registry reads and writes in an emulated Windows.
    Registry,
    /// Changes to an emulated page: DOM writes, navigation, listeners.
    Dom,
    /// Code produced at run time and executed (`eval`, `Function`, string timers).
    DynamicCode,
}

impl Category {
    /// All categories, in report order.
    pub const ALL: [Category; 14] = [
        Category::FilesystemRead,
        Category::FilesystemWrite,
        Category::DirectoryListing,
        Category::Environment,
        Category::Clock,
        Category::Random,
        Category::NetworkAttempt,
        Category::ProcessExit,
        Category::Other,
        Category::Network,
        Category::Process,
        Category::Registry,
        Category::Dom,
        Category::DynamicCode,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::FilesystemRead => "filesystem_read",
            Category::FilesystemWrite => "filesystem_write",
            Category::DirectoryListing => "directory_listing",
            Category::Environment => "environment",
            Category::Clock => "clock",
            Category::Random => "random",
            Category::NetworkAttempt => "network_attempt",
            Category::ProcessExit => "process_exit",
            Category::Other => "other",
            Category::Network => "network",
            Category::Process => "process",
            Category::Registry => "registry",
            Category::Dom => "dom",
            Category::DynamicCode => "dynamic_code",
        }
    }
}

/// One host call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Sequence number, from 0, counting every call (dropped ones too).
    pub seq: u64,
    /// Microseconds since the run started (virtual time in deterministic mode).
    pub time_us: u64,
    /// The call's name (`path_open`, `wasi:filesystem/types.[method]descriptor.open-at`, ...).
    pub call: String,
    /// Its arguments, summarised for a human: paths as strings, descriptors, byte counts.
    pub args: String,
    /// `ok`, `ok: <summary>` or the error's name (`noent`, `notcapable`, ...).
    pub result: String,
    /// True if the sandbox's policy refused the call.
    pub denied: bool,
    /// What kind of call it is.
    pub category: Category,
}

impl std::fmt::Display for Event {
    /// strace-like: `[   12.345 ms] #3 path_open(fd=3, path="a.txt", ...) = noent DENIED`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{:>10.3} ms] #{} {}({}) = {}{}",
            self.time_us as f64 / 1000.0,
            self.seq,
            self.call,
            self.args,
            self.result,
            if self.denied { " DENIED" } else { "" }
        )
    }
}

/// A callback that sees each event as it happens.
pub type EventCallback = Box<dyn FnMut(&Event) + Send>;

/// How a run is traced.
pub struct TraceConfig {
    /// Record events at all. Default off (a run then costs nothing extra).
    pub enabled: bool,
    /// Events kept; later ones are counted (per category and as dropped) but not kept.
    /// Default 100,000.
    pub max_events: usize,
    /// Bytes of event text (call names, arguments, results) kept; later events are counted
    /// but not kept. Default 32 MiB. Each argument or result summary is also capped at 1 KiB.
    pub max_bytes: usize,
    /// Called for every event, kept or not (live display, streaming).
    pub callback: Option<EventCallback>,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            enabled: false,
            max_events: 100_000,
            max_bytes: 32 << 20,
            callback: None,
        }
    }
}

impl std::fmt::Debug for TraceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceConfig")
            .field("enabled", &self.enabled)
            .field("max_events", &self.max_events)
            .field("max_bytes", &self.max_bytes)
            .field("callback", &self.callback.is_some())
            .finish()
    }
}

/// The recorded behaviour of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The events kept, in order.
    pub events: Vec<Event>,
    /// Calls seen but not kept because the cap was reached.
    pub dropped: u64,
    /// Calls per category (kept and dropped).
    pub counts: std::collections::BTreeMap<Category, u64>,
}

impl Trace {
    /// Total calls seen.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// Where "now" comes from for event times.
pub(crate) type TimeSource = Arc<dyn Fn() -> u64 + Send + Sync>;

struct Inner {
    trace: Trace,
    counts: [u64; Category::ALL.len()],
    seq: u64,
    max_events: usize,
    bytes: usize,
    max_bytes: usize,
    callback: Option<EventCallback>,
    time: TimeSource,
}

/// The per-run recorder, shared by the host-call layers. Cheap to clone; a disabled recorder
/// costs one branch per call.
#[derive(Clone)]
pub(crate) struct Recorder {
    inner: Option<Arc<Mutex<Inner>>>,
}

impl Recorder {
    pub fn disabled() -> Self {
        Recorder { inner: None }
    }

    pub fn new(config: TraceConfig, time: Option<TimeSource>) -> Self {
        if !config.enabled {
            return Recorder::disabled();
        }
        let time = time.unwrap_or_else(|| {
            let start = Instant::now();
            Arc::new(move || u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX))
        });
        Recorder {
            inner: Some(Arc::new(Mutex::new(Inner {
                trace: Trace::default(),
                counts: [0; Category::ALL.len()],
                seq: 0,
                max_events: config.max_events,
                bytes: 0,
                max_bytes: config.max_bytes,
                callback: config.callback,
                time,
            }))),
        }
    }

    /// True if events are recorded: callers skip building summaries otherwise.
    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Records one call. `args` and `result` are only built when enabled.
    pub fn record(
        &self,
        call: &str,
        category: Category,
        args: impl FnOnce() -> String,
        result: impl FnOnce() -> String,
        denied: bool,
    ) {
        let Some(inner) = &self.inner else { return };
        let mut g = inner.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *g;
        st.counts[category as usize] += 1;
        // Past the cap, with nobody watching live, an event is only counted: no text is built.
        let full = st.trace.events.len() >= st.max_events || st.bytes >= st.max_bytes;
        if full && st.callback.is_none() {
            st.seq += 1;
            st.trace.dropped += 1;
            return;
        }
        let event = Event {
            seq: st.seq,
            time_us: (st.time)(),
            call: call.to_string(),
            args: cap(args()),
            result: cap(result()),
            denied,
            category,
        };
        st.seq += 1;
        if let Some(cb) = st.callback.as_mut() {
            cb(&event);
        }
        let size = event.call.len() + event.args.len() + event.result.len();
        if st.trace.events.len() < st.max_events && st.bytes + size <= st.max_bytes {
            st.bytes += size;
            st.trace.events.push(event);
        } else {
            st.trace.dropped += 1;
        }
    }

    /// Takes the trace recorded so far (a session's next call starts a new one).
    pub fn take(&self) -> Option<Trace> {
        let inner = self.inner.as_ref()?;
        let mut g = inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut trace = std::mem::take(&mut g.trace);
        let counts = std::mem::take(&mut g.counts);
        trace.counts = Category::ALL
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| (*c, n))
            .collect();
        Some(trace)
    }
}

/// The longest argument or result summary kept, in bytes.
pub(crate) const MAX_SUMMARY: usize = 1024;

/// Caps a summary at [`MAX_SUMMARY`] bytes (at a character boundary).
pub(crate) fn cap(mut s: String) -> String {
    if s.len() > MAX_SUMMARY {
        let mut end = MAX_SUMMARY;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("...");
    }
    s
}

/// Quotes a guest-supplied string for a summary, capped so a huge argument stays small.
pub(crate) fn quote(s: &str) -> String {
    quote_capped(s, 256)
}

/// [`quote`] with another cap.
pub(crate) fn quote_capped(s: &str, max: usize) -> String {
    if s.len() <= max {
        format!("{s:?}")
    } else {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{:?}...({} bytes)", &s[..end], s.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_capped_and_the_byte_budget_bounds_the_trace() {
        let config = TraceConfig {
            enabled: true,
            max_events: 1000,
            max_bytes: 10_000,
            callback: None,
        };
        let r = Recorder::new(config, None);
        for _ in 0..100 {
            r.record(
                "path_open",
                Category::FilesystemRead,
                || "x".repeat(100_000),
                || "ok".into(),
                false,
            );
        }
        let t = r.take().expect("enabled");
        assert!(t.events.iter().all(|e| e.args.len() <= MAX_SUMMARY + 3));
        let kept: usize = t
            .events
            .iter()
            .map(|e| e.call.len() + e.args.len() + e.result.len())
            .sum();
        assert!(kept <= 10_000, "{kept}");
        assert_eq!(t.events.len() as u64 + t.dropped, 100);
        assert_eq!(t.total(), 100);
    }
}

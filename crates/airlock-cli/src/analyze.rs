//! `airlock analyze`, `airlock verdict` and `airlock eval`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use airlock::analyze::{Analysis, AnalyzeOptions, Analyzer};
use airlock::verdict::{Level, Rules, Verdict};
use clap::Args;
use serde_json::{Value, json};

use crate::say;

/// Exit code when every file is benign.
pub const BENIGN: i32 = 0;
/// Exit code when the worst file was not analysed (and none is suspicious or malicious).
pub const NOT_ANALYSED: i32 = 10;
/// Exit code when the worst verdict is suspicious.
pub const SUSPICIOUS: i32 = 20;
/// Exit code when some file is malicious.
pub const MALICIOUS: i32 = 30;

/// Files in one directory tree at most (a guard against runaway trees).
const MAX_FILES: usize = 1_000_000;

fn exit_for(level: Option<Level>) -> i32 {
    match level {
        None | Some(Level::Benign) => BENIGN,
        Some(Level::NotAnalysed) => NOT_ANALYSED,
        Some(Level::Suspicious) => SUSPICIOUS,
        Some(Level::Malicious) => MALICIOUS,
    }
}

/// `airlock analyze`.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Files or directories (searched recursively; symbolic links are not followed).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print each file's full report as JSON, one per line.
    #[arg(long)]
    pub json: bool,
    /// Wall-clock time per file.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2s")]
    pub timeout: Duration,
    /// A rules file to use instead of the built-in rules (rules/verdict.toml).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Also write a self-contained HTML page (verdicts, reasons, indicators, event timelines).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Largest file analysed; larger ones are refused before being read.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    pub max_file_size: u64,
}

fn parse_size(s: &str) -> Result<u64, String> {
    s.parse::<bytesize::ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|e| e.to_string())
}

fn load_rules(path: Option<&Path>) -> Result<Option<String>, String> {
    path.map(|p| {
        std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read the rules file {}: {e}", p.display()))
    })
    .transpose()
}

/// What to analyse: every path given, and every file under the directories given, in order,
/// each with why it is not read, if it is not. Unreadable directories are listed as paths that
/// then fail to read (so they get a `not_analysed` verdict, not silence). In a directory, only
/// regular files are read: a FIFO would block the walk for good, and devices and sockets are not
/// files a sample comes in. Symbolic links are not followed.
pub fn collect(paths: &[PathBuf]) -> Vec<(PathBuf, Option<&'static str>)> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::symlink_metadata(p);
        if !meta.as_ref().is_ok_and(|m| m.is_dir()) {
            out.push((p.clone(), None));
            continue;
        }
        let mut stack = vec![p.clone()];
        while let Some(dir) = stack.pop() {
            if out.len() >= MAX_FILES {
                out.push((dir, Some(TOO_MANY)));
                continue;
            }
            let mut entries: Vec<PathBuf> = match std::fs::read_dir(&dir) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(_) => {
                    out.push((dir, None));
                    continue;
                }
            };
            entries.sort();
            let mut dirs = Vec::new();
            for e in entries {
                match std::fs::symlink_metadata(&e) {
                    Ok(m) if m.is_dir() => dirs.push(e),
                    Ok(m) if m.file_type().is_symlink() => {} // never followed: no loops
                    Ok(m) if !m.is_file() => out.push((e, Some(NOT_A_FILE))),
                    _ => out.push((e, None)),
                }
            }
            stack.extend(dirs.into_iter().rev());
        }
    }
    out
}

/// Why an entry of a directory is not read.
const NOT_A_FILE: &str = "not a regular file (a FIFO, socket or device): not read";
/// Why the rest of a directory is not listed.
const TOO_MANY: &str = "not listed: airlock analyze lists at most 1,000,000 files";

/// One file's human summary: verdict line, reasons, indicators.
pub fn print_summary(a: &Analysis) {
    let v = &a.verdict;
    let env = a
        .report
        .pointer("/analysis/environment")
        .and_then(Value::as_str);
    let kind = match env {
        Some(e) => format!("{}, {e}", a.file_type.as_str()),
        None => a.file_type.as_str().to_string(),
    };
    say(&format!(
        "{}: {} [{kind}, {} ms]",
        a.name,
        v.summary(),
        a.elapsed.as_millis()
    ));
    for r in &v.reasons {
        let first = r.evidence.first().map(String::as_str).unwrap_or("");
        let more = if r.matched > 1 {
            format!(" (+{} more)", r.matched - 1)
        } else {
            String::new()
        };
        say(&format!(
            "  +{:<3} {}: {} -- {first}{more}",
            r.points, r.rule, r.description
        ));
    }
    if let Some(ind) = a.report.pointer("/emulation/indicators") {
        // (indicator kind, its main field or "" for plain strings, the label shown)
        for (kind, field, label) in [
            ("urls", "", "url"),
            ("commands", "", "command"),
            ("files_written", "path", "file"),
            ("registry", "key", "registry"),
            ("scheduled_tasks", "command", "task"),
        ] {
            for x in ind[kind].as_array().into_iter().flatten().take(5) {
                let s = if field.is_empty() {
                    x.as_str()
                } else {
                    x[field].as_str()
                };
                if let Some(s) = s {
                    say(&format!("  {label:<9} {s}"));
                }
            }
        }
    }
    if let Some(status) = a
        .report
        .pointer("/outcome/status/kind")
        .and_then(Value::as_str)
        && status != "exited"
    {
        say(&format!("  run ended: {status}"));
    }
}

pub fn analyze(a: AnalyzeArgs) -> i32 {
    let rules = match load_rules(a.rules.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("airlock analyze: {e}");
            return crate::exit::NO_INPUT;
        }
    };
    let analyzer = match Analyzer::new(AnalyzeOptions {
        timeout: a.timeout,
        max_file_bytes: a.max_file_size,
        rules,
    }) {
        Ok(x) => x,
        Err(e) => return crate::report_error(&e, a.json),
    };
    let files = collect(&a.paths);
    let bar = (files.len() > 1 && !a.json).then(|| progress(files.len() as u64));
    let mut worst: Option<Level> = None;
    let mut kept = Vec::new();
    for (f, skip) in &files {
        let an = match skip {
            Some(why) => analyzer.refuse(f, why),
            None => analyzer.analyze_path(f),
        };
        worst = worst.max(Some(an.verdict.verdict));
        let show = || {
            if a.json {
                use std::io::Write;
                // A closed stdout loses the lines, not the verdict's exit code.
                let _ = writeln!(std::io::stdout().lock(), "{}", an.report);
            } else {
                print_summary(&an);
            }
        };
        match &bar {
            Some(b) => {
                b.suspend(show);
                b.inc(1);
            }
            None => show(),
        }
        if a.html.is_some() {
            kept.push(an);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(path) = &a.html
        && let Err(e) = std::fs::write(path, html_page(&kept))
    {
        // Said, but the exit code stays the verdicts': a malicious file must not read as a
        // write error.
        eprintln!("airlock analyze: cannot write {}: {e}", path.display());
    }
    exit_for(worst)
}

fn progress(n: u64) -> indicatif::ProgressBar {
    let b =
        indicatif::ProgressBar::with_draw_target(Some(n), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} files, {elapsed} ({eta} left)",
    ) {
        b.set_style(style);
    }
    b
}

/// `airlock verdict`.
#[derive(Args, Debug)]
pub struct VerdictArgs {
    /// A report written by `airlock analyze --json`.
    pub report: PathBuf,
    /// A rules file to use instead of the built-in rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn verdict(a: VerdictArgs) -> i32 {
    // As large as a report of `airlock analyze` gets (events and indicators are capped), with
    // room: parsed, JSON takes ~17 times its size in memory.
    let text = match airlock::read_bounded(&a.report, 256 << 20) {
        Ok(t) => t,
        Err(e) => return crate::report_error(&e, a.json),
    };
    let report: Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "airlock verdict: {} is not a JSON report: {e}",
                a.report.display()
            );
            return crate::exit::NO_INPUT;
        }
    };
    // A report says how its run ended (with its events), or why the file was not run: one that
    // says neither would be judged on nothing, as benign.
    let ran = report
        .pointer("/outcome/status/kind")
        .is_some_and(Value::is_string)
        && report.get("events").is_some_and(Value::is_array);
    let not_run = report
        .pointer("/analysis/not_analysed")
        .is_some_and(Value::is_string);
    if report.get("format").and_then(Value::as_str) != Some("airlock-report") || !(ran || not_run) {
        eprintln!(
            "airlock verdict: {} is not an airlock report (it needs `format`, and \
             `outcome.status.kind` with `events`, or `analysis.not_analysed`)",
            a.report.display()
        );
        return crate::exit::NO_INPUT;
    }
    let rules = match load_rules(a.rules.as_deref()).map(|t| t.map(|t| Rules::parse(&t))) {
        Ok(Some(Ok(r))) => r,
        Ok(None) => Rules::builtin(),
        Ok(Some(Err(e))) => return crate::report_error(&e, a.json),
        Err(e) => {
            eprintln!("airlock verdict: {e}");
            return crate::exit::NO_INPUT;
        }
    };
    let v = rules.evaluate(&report);
    let stored: Option<Verdict> = report
        .get("verdict")
        .and_then(|s| serde_json::from_value(s.clone()).ok());
    if a.json {
        println!(
            "{}",
            json!({ "verdict": v, "same_as_stored": stored.as_ref().map(|s| *s == v) })
        );
    } else {
        let name = report
            .pointer("/input/name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        say(&format!("{name}: {}", v.summary()));
        for r in &v.reasons {
            say(&format!("  +{:<3} {}: {}", r.points, r.rule, r.description));
            for e in &r.evidence {
                say(&format!("        {e}"));
            }
        }
        match stored {
            Some(s) if s == v => say("(the same as the verdict stored in the report)"),
            Some(s) => say(&format!(
                "(differs from the stored verdict: {}; rules {} then, {} now)",
                s.summary(),
                s.rules_sha256.chars().take(12).collect::<String>(),
                v.rules_sha256.chars().take(12).collect::<String>()
            )),
            None => {}
        }
    }
    exit_for(Some(v.verdict))
}

/// `airlock eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A corpus directory: `labels.json` and `samples/`, and optionally `samples-npm/` (benign).
    pub dir: PathBuf,
    /// Wall-clock time per file.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "2s")]
    pub timeout: Duration,
    /// A rules file to use instead of the built-in rules.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// List every sample's verdict.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Default)]
struct Tally {
    files: usize,
    malicious: usize,
    suspicious: usize,
    not_analysed: usize,
}

impl Tally {
    fn add(&mut self, l: Level) {
        self.files += 1;
        match l {
            Level::Malicious => self.malicious += 1,
            Level::Suspicious => self.suspicious += 1,
            Level::NotAnalysed => self.not_analysed += 1,
            Level::Benign => {}
        }
    }
    fn json(&self) -> Value {
        json!({ "files": self.files, "malicious": self.malicious, "suspicious": self.suspicious, "not_analysed": self.not_analysed })
    }
}

/// One sample's line in `airlock eval -v`: file, label, verdict, the rules that fired.
fn eval_line(file: &str, label: &str, an: &Analysis) -> String {
    let rules: Vec<&str> = an.verdict.reasons.iter().map(|r| r.rule.as_str()).collect();
    format!(
        "  {file:<34} {label:<9} -> {} {}",
        an.verdict.summary(),
        rules.join(",")
    )
}

pub fn eval(a: EvalArgs) -> i32 {
    let labels: Vec<Value> = match std::fs::read_to_string(a.dir.join("labels.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(l) => l,
        Err(e) => {
            eprintln!("airlock eval: {}/labels.json: {e}", a.dir.display());
            return crate::exit::NO_INPUT;
        }
    };
    let rules = match load_rules(a.rules.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("airlock eval: {e}");
            return crate::exit::NO_INPUT;
        }
    };
    let analyzer = match Analyzer::new(AnalyzeOptions {
        timeout: a.timeout,
        rules,
        ..AnalyzeOptions::default()
    }) {
        Ok(x) => x,
        Err(e) => return crate::report_error(&e, a.json),
    };
    let mut npm: Vec<PathBuf> = std::fs::read_dir(a.dir.join("samples-npm"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    npm.sort();
    let bar = (!a.json).then(|| progress((labels.len() + npm.len()) as u64));
    let (mut mal, mut tricky, mut real) = (Tally::default(), Tally::default(), Tally::default());
    let (mut expected, mut found) = (0usize, 0usize);
    let mut times = Vec::new();
    let mut lines = Vec::new();
    let mut missed = Vec::new();
    for label in &labels {
        let file = label["file"].as_str().unwrap_or_default();
        let an = analyzer.analyze_path(&a.dir.join("samples").join(file));
        times.push(an.elapsed);
        let malicious = label["label"].as_str() == Some("malicious");
        if malicious {
            mal.add(an.verdict.verdict)
        } else {
            tricky.add(an.verdict.verdict)
        }
        let env = an
            .report
            .pointer("/analysis/environment")
            .and_then(Value::as_str)
            .unwrap_or("browser");
        let c = airlock::corpus::compare(
            &label["expected_iocs"],
            an.report
                .pointer("/emulation/indicators")
                .unwrap_or(&Value::Null),
            env,
        );
        expected += c.expected;
        found += c.found;
        missed.extend(c.missing.iter().map(|m| format!("{file}: {m}")));
        lines.push(eval_line(file, label["label"].as_str().unwrap_or("?"), &an));
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    for p in &npm {
        let an = analyzer.analyze_path(p);
        times.push(an.elapsed);
        real.add(an.verdict.verdict);
        let file = p
            .file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default();
        lines.push(eval_line(&file, "benign", &an));
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let p90 = times
        .get((times.len() * 9 / 10).min(times.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default();
    let pct = |a: usize, b: usize| {
        if b == 0 {
            100.0
        } else {
            a as f64 * 100.0 / b as f64
        }
    };
    let fp = tricky.malicious + real.malicious;
    let precision = pct(mal.malicious, mal.malicious + fp);
    let figures = json!({
        "malicious": mal.json(),
        "benign_tricky": tricky.json(),
        "benign_npm": real.json(),
        "malicious_recall_pct": pct(mal.malicious, mal.files),
        "flagged_recall_pct": pct(mal.malicious + mal.suspicious, mal.files),
        "precision_pct": precision,
        "false_positives": { "tricky": tricky.malicious, "npm": real.malicious },
        "suspicious_benign": { "tricky": tricky.suspicious, "npm": real.suspicious },
        "indicator_recall_pct": pct(found, expected),
        "indicators": { "expected": expected, "found": found, "missing": missed },
        "time_per_file_ms": { "median": ms(median), "p90": ms(p90) },
    });
    if a.json {
        println!("{figures}");
    } else {
        if a.verbose {
            for l in &lines {
                say(l);
            }
        }
        println!(
            "malicious samples: {} of {} malicious ({:.1}% recall), {} suspicious, {} benign, {} not analysed",
            mal.malicious,
            mal.files,
            pct(mal.malicious, mal.files),
            mal.suspicious,
            mal.files - mal.malicious - mal.suspicious - mal.not_analysed,
            mal.not_analysed
        );
        println!(
            "tricky benign samples: {} of {} called malicious (false positives), {} suspicious",
            tricky.malicious, tricky.files, tricky.suspicious
        );
        if real.files > 0 {
            println!(
                "benign npm bundles: {} of {} called malicious (false positives), {} suspicious, {} not analysed",
                real.malicious, real.files, real.suspicious, real.not_analysed
            );
        } else {
            println!(
                "benign npm bundles: none in {}/samples-npm (fetch them with the corpus's fetch-npm.sh)",
                a.dir.display()
            );
        }
        println!("precision: {precision:.1}%");
        println!(
            "indicator recall: {found} of {expected} ({:.1}%)",
            pct(found, expected)
        );
        for m in &missed {
            say(&format!("  missing {m}"));
        }
        println!(
            "time per file: median {:.1} ms, p90 {:.1} ms ({} files)",
            ms(median),
            ms(p90),
            times.len()
        );
    }
    0
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Events shown per file in the page's timeline.
const MAX_TIMELINE: usize = 500;

/// A self-contained page (no scripts, no external resources): per file, the verdict, the
/// reasons with their evidence, the indicators, and a timeline of the events.
pub fn html_page(analyses: &[Analysis]) -> String {
    let mut h = String::from(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>airlock analysis</title>\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<style>\
         body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}code,td.m{font-family:ui-monospace,monospace;font-size:12px}\
         .malicious{color:#fff;background:#b00020}.suspicious{background:#ffb300}.benign{background:#c8e6c9}.not_analysed{background:#ddd}\
         .v{padding:2px 8px;border-radius:4px;font-weight:bold}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}\
         section{margin-bottom:3em}</style></head><body>\n<h1>airlock analysis</h1>\n",
    );
    for a in analyses {
        let v = &a.verdict;
        let r = &a.report;
        let s = |p: &str| r.pointer(p).and_then(Value::as_str).unwrap_or("");
        h.push_str(&format!(
            "<section><h2>{}</h2>\n<p><span class=\"v {}\">{}</span> {}</p>\n<p>type {} {}, {} bytes, SHA-256 <code>{}</code>, {} ms</p>\n",
            esc(&a.name),
            v.verdict.as_str(),
            esc(v.verdict.as_str()),
            esc(&v.summary()),
            esc(a.file_type.as_str()),
            esc(s("/analysis/environment")),
            r.pointer("/input/size").and_then(Value::as_u64).unwrap_or(0),
            esc(s("/input/sha256")),
            a.elapsed.as_millis()
        ));
        if !v.reasons.is_empty() {
            h.push_str(
                "<h3>Reasons</h3><table><tr><th>points</th><th>rule</th><th>evidence</th></tr>\n",
            );
            for x in &v.reasons {
                let ev: Vec<String> = x
                    .evidence
                    .iter()
                    .map(|e| format!("<code>{}</code>", esc(e)))
                    .collect();
                h.push_str(&format!(
                    "<tr><td>+{}</td><td><b>{}</b><br>{}</td><td>{}{}</td></tr>\n",
                    x.points,
                    esc(&x.rule),
                    esc(&x.description),
                    ev.join("<br>"),
                    if x.matched > x.evidence.len() {
                        format!("<br>({} in all)", x.matched)
                    } else {
                        String::new()
                    }
                ));
            }
            h.push_str("</table>\n");
        }
        if let Some(ind) = r
            .pointer("/emulation/indicators")
            .and_then(Value::as_object)
        {
            let rows: Vec<String> = ind
                .iter()
                .flat_map(|(k, vals)| {
                    vals.as_array().into_iter().flatten().map(move |x| {
                        let t = match x {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        format!(
                            "<tr><td>{}</td><td class=\"m\">{}</td></tr>",
                            esc(k),
                            esc(&t)
                        )
                    })
                })
                .collect();
            if !rows.is_empty() {
                h.push_str("<h3>Indicators</h3><table>\n");
                h.push_str(&rows.join("\n"));
                h.push_str("</table>\n");
            }
        }
        if let Some(events) = r.get("events").and_then(Value::as_array) {
            let shown: Vec<&Value> = events
                .iter()
                .filter(|e| !matches!(e["category"].as_str(), Some("clock" | "random")))
                .collect();
            if !shown.is_empty() {
                h.push_str("<h3>Timeline</h3><table><tr><th>ms</th><th>#</th><th>category</th><th>call</th></tr>\n");
                for e in shown.iter().take(MAX_TIMELINE) {
                    h.push_str(&format!(
                        "<tr><td>{:.3}</td><td>{}</td><td>{}</td><td class=\"m\">{}({}) = {}</td></tr>\n",
                        e["time_us"].as_u64().unwrap_or(0) as f64 / 1000.0,
                        e["seq"].as_u64().unwrap_or(0),
                        esc(e["category"].as_str().unwrap_or("")),
                        esc(e["call"].as_str().unwrap_or("")),
                        esc(e["args"].as_str().unwrap_or("")),
                        esc(e["result"].as_str().unwrap_or(""))
                    ));
                }
                h.push_str("</table>\n");
                if shown.len() > MAX_TIMELINE {
                    h.push_str(&format!(
                        "<p>{} more events in the JSON report</p>\n",
                        shown.len() - MAX_TIMELINE
                    ));
                }
            }
        }
        h.push_str("</section>\n");
    }
    h.push_str("</body></html>\n");
    h
}

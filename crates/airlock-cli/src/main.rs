//! `airlock`: run untrusted code hermetically and see what it did.

mod analyze;
mod exit;
mod forward;
mod js;
mod python;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use airlock::{
    Error, Limits, Mount, Outcome, Policy, Report, RunRequest, Sandbox, SandboxConfig, Status,
    Stdin, TraceConfig,
};
use clap::{Args, Parser, Subcommand};

/// Run untrusted WebAssembly hermetically on Wasmtime, under hard limits.
///
/// Nothing of the host is visible to the guest unless granted with --dir, --ro-dir or --env:
/// no host files, no host environment, no network.
#[derive(Parser, Debug)]
#[command(name = "airlock", version, about, long_about, after_help = EXIT_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXIT_HELP: &str = "Exit codes: the guest's own exit code when it exits; otherwise
  64 usage error         65 invalid module/too large   66 input unreadable
  67 missing entry point 68 unknown import             69 guest runtime unavailable
  70 internal error      74 cache error                78 bad setting (mount, limit)
  124 timeout            134 trap                      137 memory limit
  152 fuel exhausted     153 output limit              154 other resource limit";

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a WASI command: a preview 1 module (`_start`) or a preview 2 component
    /// (`wasi:cli/run`), binary or text (.wat).
    Run(Box<RunArgs>),
    /// Check a module or component and say exactly what is wrong with it.
    Validate {
        /// The .wasm or .wat file.
        file: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run Python code in a fresh sandboxed CPython: `-c CODE`, `FILE.py [ARGS...]`, or `-`
    /// (code from stdin).
    Python(Box<python::PythonArgs>),
    /// Run JavaScript in a fresh sandboxed QuickJS: `-e CODE`, `FILE.js [ARGS...]`, or `-`;
    /// `--env browser|wsh|node|hta` runs it in an emulated environment and reports what it did.
    Js(Box<js::JsArgs>),
    /// Analyse files: detect each one's type, run it in the matching sandbox and emulated
    /// environment (browser, Windows Script Host, Node), and give an explained verdict. Exit code:
    /// 0 all benign, 10 some file not analysed, 20 suspicious, 30 malicious (the worst wins).
    Analyze(Box<analyze::AnalyzeArgs>),
    /// Recompute the verdict of a saved report (`airlock analyze --json`).
    Verdict(analyze::VerdictArgs),
    /// Run a labelled corpus (labels.json) and print detection and indicator figures.
    Eval(analyze::EvalArgs),
    /// Build and install a guest runtime (from airlock's own sources and pinned tools).
    Install(python::InstallArgs),
    /// Say which guest runtimes are installed where, and what is missing.
    Doctor(python::DoctorArgs),
    /// Inspect or clear the compiled-code cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
}

#[derive(Subcommand, Debug)]
enum CacheAction {
    /// Where the cache is and what it holds.
    Info,
    /// Delete every cached entry.
    Clear,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The .wasm or .wat file to run.
    file: PathBuf,
    /// Arguments passed to the guest (after `--`).
    #[arg(last = true)]
    args: Vec<String>,
    #[command(flatten)]
    opts: RunOpts,
}

/// Limits, grants and outputs shared by every way of running a guest.
#[derive(Args, Debug)]
pub(crate) struct RunOpts {
    /// Mount a host directory read-write, as HOST or HOST::GUEST.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Mount a host directory read-only, as HOST or HOST::GUEST.
    #[arg(long = "ro-dir", value_name = "HOST[::GUEST]")]
    ro_dirs: Vec<String>,
    /// Set an environment variable in the guest: KEY=VALUE, or KEY to pass the host's value.
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    pub(crate) envs: Vec<String>,
    /// Read the guest's stdin from FILE instead of airlock's own stdin.
    #[arg(long, value_name = "FILE")]
    stdin: Option<PathBuf>,
    /// Wall-clock limit for the whole run, host calls included (e.g. 500ms, 2s, 1m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
    /// Fuel limit (about one unit per instruction). Default: unmetered.
    #[arg(long)]
    fuel: Option<u64>,
    /// Linear memory limit, all the guest's memories together (e.g. 64MiB, 1GiB).
    #[arg(long, default_value = "256MiB", value_parser = parse_size)]
    memory: u64,
    /// Output kept per stream; a guest writing more is stopped (e.g. 64KiB, 1MiB).
    #[arg(long = "max-output", default_value = "1MiB", value_parser = parse_size)]
    max_output: u64,
    /// Host handles (open files, directories, streams) the guest may hold at once; one more
    /// stops it.
    #[arg(long = "max-handles", default_value_t = Limits::default().max_handles)]
    max_handles: u32,
    /// Print the outcome as JSON on stdout instead of forwarding the guest's streams.
    #[arg(long)]
    json: bool,
    /// Do not read or write the compiled-code cache.
    #[arg(long)]
    no_cache: bool,
    /// Print every host call the guest makes to stderr as it happens, one line each.
    #[arg(long)]
    trace: bool,
    /// Write the JSON report (input, limits, policy, outcome, resources, events) to FILE.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Virtual clocks and seeded randomness, so that runs are reproducible (seed default 0).
    #[arg(long, value_name = "SEED", num_args = 0..=1, default_missing_value = "0", require_equals = true)]
    deterministic: Option<u64>,
    /// Events kept in the report and lines shown by --trace; later calls are counted but not
    /// kept.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    max_events: usize,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (examples: 500ms, 2s, 1m)"))?;
    if d.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(d)
}

fn parse_size(s: &str) -> Result<u64, String> {
    let b: bytesize::ByteSize = s
        .parse()
        .map_err(|e| format!("{e} (examples: 65536, 64KiB, 1MiB, 2GiB)"))?;
    if b.as_u64() == 0 {
        return Err("must be greater than zero".into());
    }
    Ok(b.as_u64())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let _ = e.print();
            return code_of(code);
        }
    };
    // A few runs could use up the usual soft limit of 1,024 descriptors (512 handles each).
    airlock::raise_descriptor_limit();
    let code = match cli.command {
        Command::Run(args) => run(*args),
        Command::Python(args) => python::python(*args),
        Command::Js(args) => js::js(*args),
        Command::Analyze(args) => analyze::analyze(*args),
        Command::Verdict(args) => analyze::verdict(args),
        Command::Eval(args) => analyze::eval(args),
        Command::Install(args) => python::install(args),
        Command::Doctor(args) => python::doctor(args),
        Command::Validate { file, json } => validate(&file, json),
        Command::Cache { action } => cache(action),
    };
    code_of(code)
}

/// `s` with what a terminal would act on written out instead: control characters (C0, DEL, C1;
/// newlines too, so that one value stays on one line) and the bidirectional overrides, as
/// `\u{..}`. For text a guest or a sample controls (names, indicators, evidence) printed for a
/// person: an escape sequence in it could otherwise erase or forge the lines around it.
pub(crate) fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(unsafe_char) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Prints a line for a person on stdout, through [`printable`]. A closed or full stdout does not
/// stop airlock (nor change its exit code): the line is lost.
pub(crate) fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{}", printable(line));
}

/// As [`say`], on stderr.
pub(crate) fn say_err(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{}", printable(line));
}

fn code_of(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn report_error(e: &Error, json: bool) -> i32 {
    let code = exit::for_error(e.kind());
    if json {
        let doc = serde_json::json!({
            "status": { "kind": e.kind().as_str(), "message": e.to_string(), "detail": error_detail(e) },
            "exit_code": code,
        });
        println!("{doc}");
    } else {
        eprintln!("airlock: {e}");
    }
    code
}

fn error_detail(e: &Error) -> serde_json::Value {
    match e {
        Error::InvalidModule(m) => serde_json::to_value(m).unwrap_or_default(),
        Error::UnknownImport { module, field } => {
            serde_json::json!({ "module": module, "field": field })
        }
        Error::MissingEntry {
            expected, found, ..
        } => serde_json::json!({ "expected": expected, "found": found }),
        Error::TooLarge { size, limit } => serde_json::json!({ "size": size, "limit": limit }),
        _ => serde_json::Value::Null,
    }
}

fn sandbox(no_cache: bool) -> Result<Sandbox, Error> {
    sandbox_with(no_cache, true)
}

/// The sandbox guest runtimes run in by default (no fuel metering): the one `airlock install`
/// compiles them for and `airlock doctor` checks.
fn guest_sandbox() -> Result<Sandbox, Error> {
    sandbox_with(false, false)
}

/// The sandbox of one CLI run; `fuel` is whether fuel metering is compiled in. The guest runtimes
/// (`airlock python`, `airlock js`) leave it out unless `--fuel` is given: it costs time on every
/// instruction, and compiled code is cached per setting.
fn sandbox_with(no_cache: bool, fuel: bool) -> Result<Sandbox, Error> {
    // One run per process: a small pool reserves less address space and starts faster.
    let mut config = SandboxConfig {
        max_concurrent_runs: 2,
        fuel_metering: fuel,
        ..SandboxConfig::default()
    };
    if no_cache {
        config.cache_dir = None;
    }
    Sandbox::new(config)
}

fn parse_mount(spec: &str, writable: bool) -> Mount {
    let (host, guest) = match spec.split_once("::") {
        Some((h, g)) => (h.to_string(), g.to_string()),
        None => (spec.to_string(), spec.to_string()),
    };
    Mount {
        host: host.into(),
        guest,
        writable,
    }
}

fn parse_env(spec: &str) -> Result<(String, String), Error> {
    match spec.split_once('=') {
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        // `--env KEY` grants the host's value of KEY, explicitly.
        None => std::env::var(spec)
            .map(|v| (spec.to_string(), v))
            .map_err(|_| {
                Error::Config(format!(
                    "--env {spec}: no such variable in the host environment"
                ))
            }),
    }
}

fn run(a: RunArgs) -> i32 {
    let json = a.opts.json;
    match run_inner(a) {
        Ok(outcome) => finish(&outcome, json),
        Err(e) => report_error(&e, json),
    }
}

fn write_report(path: &std::path::Path, report: &Report) -> Result<(), Error> {
    std::fs::write(path, report.to_json() + "\n").map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The limits and policy the options ask for (stdin inherited unless `--stdin FILE`).
fn limits_and_policy(a: &RunOpts, args: Vec<String>) -> Result<(Limits, Policy), Error> {
    let mut policy = Policy::default();
    policy
        .mounts
        .extend(a.dirs.iter().map(|d| parse_mount(d, true)));
    policy
        .mounts
        .extend(a.ro_dirs.iter().map(|d| parse_mount(d, false)));
    policy.env = a
        .envs
        .iter()
        .map(|e| parse_env(e))
        .collect::<Result<_, _>>()?;
    policy.args = args;
    policy.deterministic = a.deterministic;
    policy.stdin = match &a.stdin {
        Some(path) => {
            const MAX_STDIN: u64 = 1 << 30;
            let mut bytes = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_STDIN + 1).read_to_end(&mut bytes))
                .map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
            if bytes.len() as u64 > MAX_STDIN {
                return Err(Error::TooLarge {
                    size: bytes.len() as u64,
                    limit: MAX_STDIN,
                });
            }
            Stdin::Bytes(bytes)
        }
        None => Stdin::Inherit,
    };
    let limits = Limits {
        timeout: a.timeout,
        fuel: a.fuel,
        memory_bytes: a.memory,
        max_output_bytes: a.max_output,
        max_handles: a.max_handles,
        ..Limits::default()
    };
    limits.validate()?;
    Ok((limits, policy))
}

/// The run request: tracing as asked, and the guest's streams forwarded live unless `--json`
/// (from a thread of their own: hold a [`forward::DrainOnDrop`] while running).
fn request(a: &RunOpts, limits: &Limits, policy: &Policy) -> RunRequest {
    let mut request = RunRequest::new(limits.clone(), policy.clone());
    request.trace = TraceConfig {
        enabled: a.trace || a.report.is_some(),
        max_events: a.max_events,
        callback: if a.trace {
            // As many lines as the report keeps events, then one that says the rest are not
            // shown: a guest making host calls in a loop would otherwise write gigabytes to
            // stderr before its timeout. A closed stderr must not kill the run: errors are
            // ignored.
            let max = a.max_events;
            let mut shown = 0usize;
            Some(Box::new(move |e: &airlock::Event| {
                let line = if shown < max {
                    format!("airlock-trace: {e}\n")
                } else if shown == max {
                    format!(
                        "airlock-trace: further calls are not shown (--max-events {max}); \
                         the report counts them\n"
                    )
                } else {
                    return;
                };
                shown = shown.saturating_add(1);
                forward::trace(line);
            }))
        } else {
            None
        },
        ..TraceConfig::default()
    };
    if !a.json {
        request.stdout_sink = Some(Box::new(forward::Sink(forward::Target::Stdout)));
        request.stderr_sink = Some(Box::new(forward::Sink(forward::Target::Stderr)));
    }
    request
}

fn run_inner(a: RunArgs) -> Result<Outcome, Error> {
    let (limits, policy) = limits_and_policy(&a.opts, a.args)?;
    let sandbox = sandbox(a.opts.no_cache)?;
    let program = sandbox.load_file(&a.file)?;
    let _drain = forward::DrainOnDrop;
    let outcome = sandbox.run(&program, request(&a.opts, &limits, &policy))?;
    if let Some(path) = &a.opts.report {
        write_report(path, &Report::new(&program, &limits, &policy, &outcome))?;
    }
    exit_without_teardown((program, sandbox));
    Ok(outcome)
}

/// Leaves the engine, its memory pool and the mapped code for the operating system to reclaim
/// when the process exits right after this run: tearing them down (unmapping the pool's
/// reservations and the compiled code, joining the epoch thread) costs 1-2 ms of a run that
/// takes a few, and nothing in them needs to be flushed.
pub(crate) fn exit_without_teardown<T>(runtime: T) {
    std::mem::forget(runtime);
}

fn finish(outcome: &Outcome, json: bool) -> i32 {
    let code = exit::for_status(&outcome.status);
    if json {
        match serde_json::to_string(outcome) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("airlock: cannot encode the outcome: {e}"),
        }
        return code;
    }
    match &outcome.status {
        Status::Exited { code } if !(0..=255).contains(code) => {
            eprintln!(
                "airlock: the guest exited with code {code}, outside 0..=255; exiting with 1"
            );
        }
        Status::Exited { .. } => {}
        Status::Trap { backtrace, .. } => {
            eprintln!("airlock: {}", outcome.status);
            for (i, f) in backtrace.iter().enumerate() {
                eprintln!("  #{i} {f}");
            }
        }
        other => eprintln!("airlock: {other}"),
    }
    code
}

fn validate(file: &std::path::Path, json: bool) -> i32 {
    let sandbox = match sandbox(false) {
        Ok(s) => s,
        Err(e) => return report_error(&e, json),
    };
    match sandbox.load_file(file) {
        Ok(p) => {
            if json {
                let doc = serde_json::json!({
                    "status": { "kind": "valid" },
                    "kind": p.kind(),
                    "size": p.size(),
                    "sha256": p.sha256_hex(),
                    "imports": p.imports(),
                    "exports": p.exports(),
                });
                println!("{doc}");
            } else {
                let what = match p.kind() {
                    airlock::WasmKind::Module => "WASI preview 1 command module",
                    airlock::WasmKind::Component => "WASI preview 2 command component",
                };
                println!(
                    "{}: valid {what}, {} bytes, sha256 {}",
                    file.display(),
                    p.size(),
                    p.sha256_hex()
                );
                println!("  imports: {}", list(p.imports()));
                println!("  exports: {}", list(p.exports()));
            }
            0
        }
        Err(e) => report_error(&e, json),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

fn cache(action: CacheAction) -> i32 {
    let sandbox = match sandbox(false) {
        Ok(s) => s,
        Err(e) => return report_error(&e, false),
    };
    let Some(cache) = sandbox.cache() else {
        eprintln!("airlock: no cache directory could be determined (set AIRLOCK_CACHE_DIR)");
        return exit::CACHE;
    };
    let result = match action {
        CacheAction::Info => cache.info().map(|i| {
            println!("cache directory: {}", i.dir.display());
            println!("entries: {} ({} bytes)", i.entries, i.bytes);
            if i.stale_entries > 0 {
                println!(
                    "stale entries (other airlock/wasmtime versions or settings): {} ({} bytes)",
                    i.stale_entries, i.stale_bytes
                );
            }
        }),
        CacheAction::Clear => cache.clear().map(|n| {
            println!("removed {n} cache entries from {}", cache.root().display());
        }),
    };
    match result {
        Ok(()) => 0,
        Err(source) => report_error(
            &Error::Cache {
                path: cache.root().to_path_buf(),
                source,
            },
            false,
        ),
    }
}

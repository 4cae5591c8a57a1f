//! `airlock python`, `airlock install` and `airlock doctor`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use airlock::guest::{self, Guest, GuestKind, Origin};
use airlock::install::{self, InstallOptions};
use airlock::python::{Python, Source};
use airlock::report::Input;
use airlock::{Error, Outcome, Report, Sandbox, Stdin};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{RunOpts, exit};

#[derive(Args, Debug)]
pub struct PythonArgs {
    /// Program passed in as a string (as `python -c`); arguments follow as `sys.argv[1:]`.
    #[arg(short = 'c', value_name = "CODE")]
    code: Option<String>,
    /// The Python guest directory to use. Default: $AIRLOCK_PYTHON_GUEST, then the user cache,
    /// then /usr/local/share/airlock/guests/python and /usr/share/airlock/guests/python.
    #[arg(long, value_name = "DIR")]
    guest: Option<PathBuf>,
    #[command(flatten)]
    opts: RunOpts,
    /// FILE.py or `-` (code from stdin), then the script's arguments. Options of airlock go
    /// before it; everything after it is the script's.
    #[arg(
        value_name = "FILE|-",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        num_args = 0..
    )]
    rest: Vec<String>,
}

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// The guest runtime to build.
    #[arg(value_enum)]
    guest: GuestName,
    /// Rebuild even if an up-to-date guest is installed.
    #[arg(long)]
    force: bool,
    /// The host Python of the build: for python, a Python 3.11 (default: $AIRLOCK_BUILD_PYTHON,
    /// else python3.11); for js, the Python whose pip fetches it (default: python3).
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// Install into DIR instead of the user cache.
    #[arg(long, value_name = "DIR")]
    dest: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Check this Python guest directory first (as `airlock python --guest`).
    #[arg(long, value_name = "DIR")]
    guest: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum GuestName {
    /// CPython 3.11, built for WASI from source and pre-initialized.
    Python,
    /// QuickJS-NG (a WASI reactor module from PyPI).
    Js,
}

/// A spinner on a terminal; otherwise plain lines, or nothing (`lines_when_not_a_terminal`).
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Progress {
    pub(crate) fn new(lines_when_not_a_terminal: bool) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Progress {
            bar,
            lines: lines_when_not_a_terminal,
        }
    }

    pub(crate) fn step(&self, msg: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(msg.to_string()),
            None if self.lines => eprintln!("airlock: {msg}"),
            None => {}
        }
    }

    pub(crate) fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Loads the Python guest, compiling it (with a progress spinner) if it is not cached yet.
fn load_python(sandbox: &Sandbox, guest: &Guest) -> Result<Python, Error> {
    if Python::is_compiled(sandbox, guest) {
        return Python::load(sandbox, guest);
    }
    let progress = Progress::new(false);
    let cached = if sandbox.cache().is_some() {
        "once, then it is cached"
    } else {
        "--no-cache: every run compiles it"
    };
    progress.step(&format!(
        "compiling the Python guest ({:.1} MB) for this machine; {cached}",
        guest.manifest.component_size as f64 / 1e6
    ));
    let loaded = Python::load(sandbox, guest);
    progress.done();
    loaded
}

/// Largest Python source accepted (as for WebAssembly inputs).
const MAX_SOURCE: u64 = 256 << 20;

pub fn python(a: PythonArgs) -> i32 {
    let json = a.opts.json;
    if a.code.is_none() && a.rest.is_empty() {
        eprintln!(
            "airlock python: give -c CODE, FILE.py or - (code from stdin); there is no interactive mode"
        );
        return exit::USAGE;
    }
    match python_inner(a) {
        Ok(outcome) => crate::finish(&outcome, json),
        Err(e) => crate::report_error(&e, json),
    }
}

fn python_inner(a: PythonArgs) -> Result<Outcome, Error> {
    let mut rest = a.rest;
    let (source, from_stdin) = match a.code {
        Some(code) => (Source::inline(code), false),
        None => {
            let first = rest.remove(0);
            if first == "-" {
                let code = airlock::read_stream_bounded(
                    std::io::stdin().lock(),
                    Path::new("<stdin>"),
                    MAX_SOURCE,
                )?;
                (Source::stdin(code), true)
            } else {
                let code = airlock::read_bounded(Path::new(&first), MAX_SOURCE)?;
                (Source::file(first, code), false)
            }
        }
    };
    let (limits, mut policy) = crate::limits_and_policy(&a.opts, rest)?;
    if from_stdin && a.opts.stdin.is_none() {
        // The code came from stdin: `input()` sees its end, as with `python -`.
        policy.stdin = Stdin::Empty;
    }
    let guest = guest::find(GuestKind::Python, a.guest.as_deref())?;
    let sandbox = crate::sandbox_with(a.opts.no_cache, a.opts.fuel.is_some())?;
    let python = load_python(&sandbox, &guest)?;
    let _drain = crate::forward::DrainOnDrop;
    let outcome = python.run(&source, crate::request(&a.opts, &limits, &policy))?;
    if let Some(path) = &a.opts.report {
        let input = Input::python(&source, python.guest());
        crate::write_report(path, &Report::with_input(input, &limits, &policy, &outcome))?;
    }
    crate::exit_without_teardown((python, sandbox));
    Ok(outcome)
}

pub fn install(a: InstallArgs) -> i32 {
    if let GuestName::Js = a.guest {
        return install_js(a);
    }
    let progress = Progress::new(true);
    let opts = InstallOptions {
        host_python: a.python,
        dest: a.dest,
        force: a.force,
    };
    let installed = match install::install_python(&opts, &mut |msg| progress.step(msg)) {
        Ok(i) => i,
        Err(e) => {
            progress.done();
            return crate::report_error(&e, false);
        }
    };
    let guest = installed.guest;
    if installed.already {
        progress.done();
        println!(
            "the Python guest is up to date in {} ({})",
            guest.dir.display(),
            guest.manifest.runtime_version
        );
    }
    // Compile it now, so that the first run is fast.
    let compiled = crate::guest_sandbox().and_then(|sandbox| {
        if Python::is_compiled(&sandbox, &guest) {
            return Ok(());
        }
        progress.step(&format!(
            "compiling the Python guest ({:.1} MB) for this machine",
            guest.manifest.component_size as f64 / 1e6
        ));
        Python::load(&sandbox, &guest).map(|_| ())
    });
    progress.done();
    if let Err(e) = compiled {
        return crate::report_error(&e, false);
    }
    if !installed.already {
        println!(
            "installed the Python guest in {}: CPython {}, built by {}",
            guest.dir.display(),
            guest.manifest.runtime_version,
            guest.manifest.builder
        );
    }
    0
}

pub fn doctor(a: DoctorArgs) -> i32 {
    println!(
        "airlock {} on wasmtime {}",
        env!("CARGO_PKG_VERSION"),
        airlock::report::WASMTIME_VERSION
    );
    let sandbox = crate::guest_sandbox().ok();
    match sandbox.as_ref().and_then(|s| s.cache()) {
        Some(cache) => match cache.info() {
            Ok(i) => println!(
                "compiled-code cache: {} ({} entries, {:.1} MB)",
                i.dir.display(),
                i.entries,
                i.bytes as f64 / 1e6
            ),
            Err(e) => println!("compiled-code cache: {}: {e}", cache.root().display()),
        },
        None => println!("compiled-code cache: none (set AIRLOCK_CACHE_DIR)"),
    }

    println!("python guest, searched in order:");
    let mut using = None;
    let mut explicit_error = None;
    for (dir, origin, found) in guest::search(GuestKind::Python, a.guest.as_deref()) {
        let label = match origin {
            Origin::Environment => GuestKind::Python.env_var().to_string(),
            other => other.to_string(),
        };
        match found {
            Ok(g) => {
                let current = g.manifest.source_sha256 == install::python_source_sha256();
                let compiled = sandbox.as_ref().is_some_and(|s| Python::is_compiled(s, &g));
                println!(
                    "  {label:<22} {}: CPython {} (built by {}, module {:.1} MB){}",
                    dir.display(),
                    g.manifest.runtime_version.lines().next().unwrap_or(""),
                    g.manifest.builder,
                    g.manifest.component_size as f64 / 1e6,
                    if using.is_none() { "  <- in use" } else { "" }
                );
                println!(
                    "  {:<22}   compiled for this machine: {}; built from this airlock's sources: {}",
                    "",
                    if compiled {
                        "yes"
                    } else {
                        "no (the first run compiles it, ~10 s)"
                    },
                    if current {
                        "yes"
                    } else {
                        "no (`airlock install python` rebuilds it)"
                    }
                );
                if using.is_none() {
                    using = Some(g);
                }
            }
            Err(why) => {
                println!("  {label:<22} {why}");
                if using.is_none() && matches!(origin, Origin::Explicit | Origin::Environment) {
                    explicit_error.get_or_insert(why);
                }
            }
        }
    }
    let needs = install::python_build_needs(&InstallOptions::default());
    match &needs.build_python {
        Ok(p) => println!(
            "build python 3.11 (for `airlock install python`): {}",
            p.display()
        ),
        Err(why) => println!("build python 3.11 (for `airlock install python`): {why}"),
    }
    if needs.missing_packages.is_empty() {
        println!("WebAssembly C toolchain (for `airlock install python`): installed");
    } else {
        println!(
            "WebAssembly C toolchain (for `airlock install python`): missing {}; fix: apt-get install {} (as root; `airlock install python` does it when run as root)",
            needs.missing_packages.join(", "),
            needs.missing_packages.join(" ")
        );
    }
    let python_ok = match (using, explicit_error) {
        (_, Some(why)) => {
            println!("missing: the python guest named explicitly is not usable: {why}");
            false
        }
        (Some(_), None) => {
            println!("ok: `airlock python` is ready");
            true
        }
        (None, None) => {
            println!("missing: the python guest; fix: airlock install python");
            false
        }
    };
    let js_ok = doctor_js(sandbox.as_ref());
    if python_ok && js_ok {
        0
    } else {
        exit::GUEST_UNAVAILABLE
    }
}

/// The JavaScript part of `airlock doctor`: where the guest was looked for and what was found.
fn doctor_js(sandbox: Option<&Sandbox>) -> bool {
    println!("js guest, searched in order:");
    let mut using = None;
    for (dir, origin, found) in guest::search(GuestKind::Js, None) {
        let label = match origin {
            Origin::Environment => GuestKind::Js.env_var().to_string(),
            other => other.to_string(),
        };
        match found {
            Ok(g) => {
                let current = g.manifest.source_sha256 == install::js_source_sha256();
                let compiled = sandbox.is_some_and(|s| airlock::js::Js::is_compiled(s, &g));
                println!(
                    "  {label:<22} {}: {} ({}){}",
                    dir.display(),
                    g.manifest.runtime_version,
                    g.manifest.builder,
                    if using.is_none() { "  <- in use" } else { "" }
                );
                println!(
                    "  {:<22}   compiled for this machine: {}; the version this airlock pins: {}",
                    "",
                    if compiled {
                        "yes"
                    } else {
                        "no (the first run compiles it, ~1 s)"
                    },
                    if current {
                        "yes"
                    } else {
                        "no (`airlock install js` replaces it)"
                    }
                );
                using.get_or_insert(g);
            }
            Err(why) => println!("  {label:<22} {why}"),
        }
    }
    if using.is_some() {
        println!("ok: `airlock js` is ready");
        true
    } else {
        println!("missing: the js guest; fix: airlock install js");
        false
    }
}

fn install_js(a: InstallArgs) -> i32 {
    let progress = Progress::new(true);
    let opts = InstallOptions {
        host_python: a.python,
        dest: a.dest,
        force: a.force,
    };
    let installed = match install::install_js(&opts, &mut |msg| progress.step(msg)) {
        Ok(i) => i,
        Err(e) => {
            progress.done();
            return crate::report_error(&e, false);
        }
    };
    let guest = installed.guest;
    let compiled = crate::guest_sandbox().and_then(|sandbox| {
        if !airlock::js::Js::is_compiled(&sandbox, &guest) {
            progress.step("compiling the JavaScript guest for this machine");
        }
        let js = airlock::js::Js::load(&sandbox, &guest)?;
        progress.step("pre-initializing the JavaScript environments");
        for env in airlock::js::Environment::BUILT_IN {
            js.pre_initialize(&env);
        }
        Ok(())
    });
    progress.done();
    if let Err(e) = compiled {
        return crate::report_error(&e, false);
    }
    println!(
        "{} the JavaScript guest in {}: {}",
        if installed.already {
            "up to date:"
        } else {
            "installed"
        },
        guest.dir.display(),
        guest.manifest.runtime_version
    );
    0
}

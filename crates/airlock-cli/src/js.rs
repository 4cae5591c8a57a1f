//! `airlock js`.

use std::path::{Path, PathBuf};

use airlock::emulation::Emulation;
use airlock::guest::{self, Guest, GuestKind};
use airlock::js::{Environment, Js, JsRun, Script};
use airlock::report::Input;
use airlock::{Error, Report, Sandbox, Stdin};
use clap::Args;

use crate::RunOpts;
use crate::python::Progress;

#[derive(Args, Debug)]
pub struct JsArgs {
    // `--env` (from the shared options) also selects the emulated environment here: `--env
    // browser|wsh|node|hta|plain` or `--env PRELUDE.js`; any other value sets a guest variable.
    /// Evaluate CODE; arguments follow as the script's.
    #[arg(short = 'e', long = "eval", value_name = "CODE")]
    code: Option<String>,
    /// The JavaScript guest directory to use. Default: $AIRLOCK_JS_GUEST, then the user cache,
    /// then /usr/local/share/airlock/guests/js and /usr/share/airlock/guests/js.
    #[arg(long, value_name = "DIR")]
    guest: Option<PathBuf>,
    #[command(flatten)]
    opts: RunOpts,
    /// FILE.js or `-` (code from stdin), then the script's arguments. Options of airlock go
    /// before it; everything after it is the script's.
    #[arg(
        value_name = "FILE|-",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        num_args = 0..
    )]
    rest: Vec<String>,
}

/// Largest script accepted (as for other inputs).
const MAX_SOURCE: u64 = 256 << 20;

/// Loads the JavaScript guest, compiling it (with a progress spinner) if it is not cached yet.
pub fn load_js(sandbox: &Sandbox, guest: &Guest) -> Result<Js, Error> {
    if Js::is_compiled(sandbox, guest) {
        return Js::load(sandbox, guest);
    }
    let progress = Progress::new(false);
    progress.step(&format!(
        "compiling the JavaScript guest ({:.1} MB) for this machine",
        guest.manifest.component_size as f64 / 1e6
    ));
    let loaded = Js::load(sandbox, guest);
    progress.done();
    loaded
}

/// Whether an `--env` value names an emulated environment (rather than a variable).
fn is_environment(spec: &str) -> bool {
    Environment::named(spec).is_some() || (spec.ends_with(".js") && !spec.contains('='))
}

/// The environment named on the command line: a built-in name or a prelude file.
fn environment(spec: Option<&str>) -> Result<Environment, Error> {
    let Some(spec) = spec else {
        return Ok(Environment::Plain);
    };
    if let Some(env) = Environment::named(spec) {
        return Ok(env);
    }
    let path = Path::new(spec);
    {
        let prelude = airlock::read_bounded(path, 16 << 20)?;
        let prelude = String::from_utf8(prelude)
            .map_err(|_| Error::Config(format!("the environment prelude {spec} is not UTF-8")))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| spec.to_string());
        Ok(Environment::Custom { name, prelude })
    }
}

pub fn js(a: JsArgs) -> i32 {
    let json = a.opts.json;
    if a.code.is_none() && a.rest.is_empty() {
        eprintln!(
            "airlock js: give -e CODE, FILE.js or - (code from stdin); there is no interactive mode"
        );
        return crate::exit::USAGE;
    }
    match js_inner(a) {
        Ok(run) => {
            if json {
                let mut v = serde_json::to_value(&run.outcome).unwrap_or_default();
                if let (Some(obj), Some(e)) = (v.as_object_mut(), &run.emulation) {
                    obj.insert(
                        "emulation".into(),
                        serde_json::to_value(e).unwrap_or_default(),
                    );
                }
                println!("{v}");
                return crate::exit::for_status(&run.outcome.status);
            }
            if let Some(e) = &run.emulation {
                print_summary(e);
            }
            crate::finish(&run.outcome, false)
        }
        Err(e) => crate::report_error(&e, json),
    }
}

fn js_inner(mut a: JsArgs) -> Result<JsRun, Error> {
    let (envs, vars): (Vec<String>, Vec<String>) = std::mem::take(&mut a.opts.envs)
        .into_iter()
        .partition(|e| is_environment(e));
    if envs.len() > 1 {
        return Err(Error::Config(format!(
            "more than one emulated environment: {}",
            envs.join(", ")
        )));
    }
    a.opts.envs = vars;
    let mut rest = a.rest;
    let (script, from_stdin) = match a.code {
        Some(code) => (Script::inline(code), false),
        None => {
            let first = rest.remove(0);
            if first == "-" {
                let code = airlock::read_stream_bounded(
                    std::io::stdin().lock(),
                    Path::new("<stdin>"),
                    MAX_SOURCE,
                )?;
                (Script::stdin(code), true)
            } else {
                let code = airlock::read_bounded(Path::new(&first), MAX_SOURCE)?;
                (Script::file(first, code), false)
            }
        }
    };
    let env = environment(envs.first().map(String::as_str))?;
    let (limits, mut policy) = crate::limits_and_policy(&a.opts, rest)?;
    if from_stdin && a.opts.stdin.is_none() {
        policy.stdin = Stdin::Empty;
    }
    let guest = guest::find(GuestKind::Js, a.guest.as_deref())?;
    let sandbox = crate::sandbox_with(a.opts.no_cache, a.opts.fuel.is_some())?;
    let js = load_js(&sandbox, &guest)?;
    let _drain = crate::forward::DrainOnDrop;
    let run = js.run(&script, &env, crate::request(&a.opts, &limits, &policy))?;
    if let Some(path) = &a.opts.report {
        let input = Input::javascript(&script, js.guest());
        let report = Report::with_input(input, &limits, &policy, &run.outcome)
            .with_emulation(run.emulation.as_ref());
        crate::write_report(path, &report)?;
    }
    crate::exit_without_teardown((js, sandbox));
    Ok(run)
}

/// What the environment saw, on stderr, after the script's own output.
fn print_summary(e: &Emulation) {
    let i = &e.indicators;
    crate::say_err(&format!(
        "airlock: {} environment: {} emulated API calls",
        e.environment, e.api_calls
    ));
    let list = |what: &str, items: Vec<String>| {
        for item in items {
            crate::say_err(&format!("airlock:   {what:<9} {item}"));
        }
    };
    list("url", i.urls.clone());
    list("domain", i.domains.clone());
    list("command", i.commands.clone());
    list(
        "file",
        i.files_written
            .iter()
            .map(|f| match f.size {
                Some(n) => format!("{} ({n} bytes)", f.path),
                None => f.path.clone(),
            })
            .collect(),
    );
    list(
        "registry",
        i.registry
            .iter()
            .map(|r| format!("{} = {}", r.key, r.value))
            .collect(),
    );
    list(
        "task",
        i.scheduled_tasks
            .iter()
            .map(|t| format!("{}: {}", t.name, t.command))
            .collect(),
    );
    list(
        "shortcut",
        i.shortcuts
            .iter()
            .map(|s| format!("{} -> {}", s.path, s.target))
            .collect(),
    );
    list(
        "code",
        i.snippets
            .iter()
            .map(|s| format!("{} {} bytes sha256:{}", s.kind, s.size, &s.sha256[..16]))
            .collect(),
    );
    list(
        "sent",
        i.outbound
            .iter()
            .map(|o| format!("{} bytes to {}", o.size, o.url))
            .collect(),
    );
    if e.forged_lines > 0 {
        eprintln!(
            "airlock:   the script wrote {} line(s) to the event channel itself (ignored)",
            e.forged_lines
        );
    }
    for n in &e.notes {
        crate::say_err(&format!("airlock:   note: {n}"));
    }
}

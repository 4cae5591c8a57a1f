//! The Python face of airlock: the `airlock._airlock` extension module.
//!
//! The classes here wrap the Rust library one to one; the Python package around them
//! (`python/airlock`) adds the exception hierarchy and the seed guide's API. Every guest run
//! releases the GIL, so many Python threads can run sandboxes at once.
//!
//! One engine (and compiled-code cache, and guest runtimes) is shared by the whole process:
//! a `Sandbox` object is only limits and policy, so creating one costs nothing.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use airlock::analyze::{AnalyzeOptions, Analyzer};
use airlock::emulation::Emulation;
use airlock::guest::GuestKind;
use airlock::js::{Environment, Js, Script};
use airlock::python::{Python as PyGuest, PythonSession as Session, Source};
use airlock::report::Input;
use airlock::{
    Limits, MIB, Mount, Outcome, Policy, Program as Compiled, Report, RunRequest, SandboxConfig,
    Status, Stdin, TraceConfig,
};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString};

mod errors;

use errors::{config_error, raise, to_py_err};

/// Largest file `analyze` reads (as the CLI's `--max-file-size`).
const ANALYZE_MAX: u64 = 64 * MIB;
/// Analyzers kept (one per distinct option set); past this many, all are dropped and rebuilt on use.
const MAX_ANALYZERS: usize = 16;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

type AnalyzerKey = (u128, u64, Option<String>);

/// What the whole process shares: the engine, and the guest runtimes loaded into it.
struct Core {
    sandbox: airlock::Sandbox,
    /// JavaScript's where `sandbox` does not keep 8 MiB resident (`JS_KEEP_RESIDENT`: runs
    /// 2-20% faster, small ones the most; without the kernel's `PAGEMAP_SCAN` it would slow
    /// Python's): the same settings with it. Made on first use.
    js_sandbox: OnceLock<airlock::Sandbox>,
    python: Mutex<HashMap<Option<PathBuf>, PyGuest>>,
    js: Mutex<HashMap<Option<PathBuf>, Js>>,
    analyzers: Mutex<HashMap<AnalyzerKey, Arc<Analyzer>>>,
    /// Held while a guest runtime is found and loaded, so that threads making their first call
    /// at once compile it once.
    loading: Mutex<()>,
}

static CORE: OnceLock<Arc<Core>> = OnceLock::new();

/// The shared core, made on first use. A failure is not remembered: the next call tries again.
fn core() -> airlock::Result<Arc<Core>> {
    if let Some(c) = CORE.get() {
        return Ok(c.clone());
    }
    let made = Arc::new(Core {
        sandbox: airlock::Sandbox::new(SandboxConfig::default())?,
        js_sandbox: OnceLock::new(),
        python: Mutex::new(HashMap::new()),
        js: Mutex::new(HashMap::new()),
        analyzers: Mutex::new(HashMap::new()),
        loading: Mutex::new(()),
    });
    Ok(CORE.get_or_init(|| made).clone())
}

impl Core {
    /// The Python runtime from `explicit` or the usual discovery, loaded once.
    fn python(&self, explicit: Option<&Path>) -> airlock::Result<PyGuest> {
        self.guest(&self.python, GuestKind::Python, explicit, |g| {
            PyGuest::load(&self.sandbox, g)
        })
    }

    /// The JavaScript runtime, as [`Core::python`], in JavaScript's sandbox.
    fn js(&self, explicit: Option<&Path>) -> airlock::Result<Js> {
        self.guest(&self.js, GuestKind::Js, explicit, |g| {
            Js::load(&self.js_sandbox()?, g)
        })
    }

    /// JavaScript's sandbox: the shared one where it keeps 8 MiB resident (the default where
    /// the kernel has `PAGEMAP_SCAN`), else one that does, made on first use (a failure is not
    /// remembered).
    fn js_sandbox(&self) -> airlock::Result<airlock::Sandbox> {
        if self.sandbox.config().memory_keep_resident >= airlock::JS_KEEP_RESIDENT {
            return Ok(self.sandbox.clone());
        }
        if let Some(s) = self.js_sandbox.get() {
            return Ok(s.clone());
        }
        let made = airlock::Sandbox::new(SandboxConfig {
            memory_keep_resident: airlock::JS_KEEP_RESIDENT,
            ..SandboxConfig::default()
        })?;
        Ok(self.js_sandbox.get_or_init(|| made).clone())
    }

    /// A guest runtime from `loaded`, else found and loaded (once, however many threads ask).
    /// A guest that is not found is not remembered, so installing it makes the next call work.
    fn guest<T: Clone>(
        &self,
        loaded: &Mutex<HashMap<Option<PathBuf>, T>>,
        kind: GuestKind,
        explicit: Option<&Path>,
        load: impl FnOnce(&airlock::guest::Guest) -> airlock::Result<T>,
    ) -> airlock::Result<T> {
        let key = explicit.map(Path::to_path_buf);
        if let Some(g) = lock(loaded).get(&key) {
            return Ok(g.clone());
        }
        let _loading = lock(&self.loading);
        if let Some(g) = lock(loaded).get(&key) {
            return Ok(g.clone());
        }
        let made = load(&airlock::guest::find(kind, explicit)?)?;
        lock(loaded).insert(key, made.clone());
        Ok(made)
    }

    fn analyzer(&self, options: AnalyzeOptions) -> airlock::Result<Arc<Analyzer>> {
        let key = (
            options.timeout.as_nanos(),
            options.max_file_bytes,
            options.rules.clone(),
        );
        if let Some(a) = lock(&self.analyzers).get(&key) {
            return Ok(a.clone());
        }
        let made = Arc::new(Analyzer::with_sandboxes(
            self.sandbox.clone(),
            self.js_sandbox()?,
            options,
        )?);
        let mut all = lock(&self.analyzers);
        if all.len() >= MAX_ANALYZERS {
            all.clear();
        }
        Ok(all.entry(key).or_insert(made).clone())
    }
}

/// The largest code or module accepted (the engine's own input limit).
const MAX_INPUT: u64 = 256 * MIB;

/// A non-negative integer setting that fits in 64 bits, else a `ConfigError`.
fn count(what: &str, v: i128) -> PyResult<u64> {
    u64::try_from(v).map_err(|_| {
        config_error(format!(
            "{what} must be a non-negative integer below 2**64, not {v}"
        ))
    })
}

/// Seconds (a Python float) as a timeout: positive and finite.
fn seconds(what: &str, s: f64) -> PyResult<Duration> {
    if !(s.is_finite() && s > 0.0) {
        return Err(config_error(format!(
            "{what} must be a positive number of seconds, not {s}"
        )));
    }
    Duration::try_from_secs_f64(s)
        .map_err(|_| config_error(format!("{what} of {s} seconds is too large")))
}

/// The bytes of `code`: a `str` (encoded as UTF-8), `bytes` or `bytearray`, at most `limit`.
fn code_bytes(code: &Bound<'_, PyAny>, what: &str, limit: u64) -> PyResult<Vec<u8>> {
    let bytes = if let Ok(s) = code.cast::<PyString>() {
        s.to_cow()?.into_owned().into_bytes()
    } else if let Ok(b) = code.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(b) = code.cast::<PyByteArray>() {
        b.to_vec()
    } else {
        let ty = code.get_type().name()?;
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be str or bytes, not {ty}"
        )));
    };
    let size = bytes.len() as u64;
    if size > limit {
        return Err(to_py_err(
            code.py(),
            airlock::Error::TooLarge { size, limit },
        ));
    }
    Ok(bytes)
}

/// Standard input given to a run: `None`, `str` or `bytes`.
fn stdin_of(stdin: Option<&Bound<'_, PyAny>>, limit: u64) -> PyResult<Stdin> {
    match stdin {
        None => Ok(Stdin::Empty),
        Some(s) if s.is_none() => Ok(Stdin::Empty),
        Some(s) => Ok(Stdin::Bytes(code_bytes(s, "stdin", limit)?)),
    }
}

/// A mount given as `(host, guest)` or `(host, guest, writable)` (such as `airlock.Mount`).
fn mount_of(item: &Bound<'_, PyAny>) -> PyResult<Mount> {
    let (host, guest, writable) = match item.extract::<(PathBuf, String, bool)>() {
        Ok(t) => t,
        Err(_) => {
            let (host, guest) = item.extract::<(PathBuf, String)>().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(
                    "a mount is (host_path, guest_path) or (host_path, guest_path, writable)",
                )
            })?;
            (host, guest, false)
        }
    };
    // Resolved now: a later chdir of the Python process must not change what is granted.
    // (That it is a directory is checked with the rest of the policy.)
    let host = std::fs::canonicalize(&host)
        .map_err(|e| config_error(format!("cannot mount {}: {e}", host.display())))?;
    if !guest.starts_with('/') {
        return Err(config_error(format!(
            "mount {}: the guest path {guest:?} must be absolute",
            host.display()
        )));
    }
    Ok(Mount {
        host,
        guest,
        writable,
    })
}

/// A sandbox: limits and policy for runs of Python, JavaScript and WebAssembly.
///
/// Every run gets a fresh instance; nothing of the host is visible unless granted here (no host
/// files, no host environment variables, never the network). A `Sandbox` is immutable and safe
/// to share between threads; runs release the GIL.
///
/// Keyword arguments (all optional, all with finite defaults):
///
/// - ``timeout``: wall-clock seconds per run, host calls included (default 10).
/// - ``memory``: bytes of linear memory, all the guest's memories together (default 256 MiB).
/// - ``fuel``: instruction budget, or None for unmetered (default None).
/// - ``max_output``: bytes kept per stream; more stops the guest (default 1 MiB).
/// - ``max_handles``: host handles (open files, directories, streams) a guest may hold at once;
///   one more stops it with status ``resource_limit`` (default 512).
/// - ``env``: dict of environment variables the guest sees (default none).
/// - ``mounts``: list of ``(host_dir, guest_path)`` or ``(host_dir, guest_path, writable)``,
///   for example ``airlock.Mount("data", "/data")`` (default none).
/// - ``deterministic``: an int seed for virtual clocks and seeded randomness (default None).
/// - ``trace``: record every host call in the report (default False).
/// - ``max_events``: events kept in a traced report (default 100000).
/// - ``max_input``: largest code or module accepted, bytes (default 256 MiB).
/// - ``python_guest`` / ``js_guest``: a guest directory to use instead of the usual discovery
///   (``$AIRLOCK_PYTHON_GUEST``, the user cache, system directories).
#[pyclass(frozen, module = "airlock")]
struct Sandbox {
    limits: Limits,
    policy: Policy,
    trace: bool,
    max_events: usize,
    max_input: u64,
    python_guest: Option<PathBuf>,
    js_guest: Option<PathBuf>,
}

/// A run request with these limits and policy, tracing as asked.
fn request(limits: &Limits, policy: &Policy, trace: bool, max_events: usize) -> RunRequest {
    let mut request = RunRequest::new(limits.clone(), policy.clone());
    request.trace = TraceConfig {
        enabled: trace,
        max_events,
        ..TraceConfig::default()
    };
    request
}

/// One run's settings, taken apart so that the report can name them afterwards.
struct Prepared {
    limits: Limits,
    policy: Policy,
    request: RunRequest,
}

impl Sandbox {
    fn prepare(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        stdin: Option<&Bound<'_, PyAny>>,
        args: Option<Vec<String>>,
    ) -> PyResult<Prepared> {
        let mut limits = self.limits.clone();
        if let Some(t) = timeout {
            limits.timeout = seconds("timeout", t)?;
            limits.validate().map_err(|e| to_py_err(py, e))?;
        }
        let mut policy = self.policy.clone();
        policy.stdin = stdin_of(stdin, self.max_input)?;
        if let Some(a) = args {
            policy.args = a;
        }
        let request = request(&limits, &policy, self.trace, self.max_events);
        Ok(Prepared {
            limits,
            policy,
            request,
        })
    }
}

#[pymethods]
impl Sandbox {
    #[new]
    #[pyo3(signature = (
        *,
        timeout = 10.0,
        memory = 268435456,
        fuel = None,
        max_output = 1048576,
        max_handles = 512,
        env = None,
        mounts = None,
        deterministic = None,
        trace = false,
        max_events = 100_000,
        max_input = 268435456,
        python_guest = None,
        js_guest = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        timeout: f64,
        memory: i128,
        fuel: Option<i128>,
        max_output: i128,
        max_handles: i128,
        env: Option<HashMap<String, String>>,
        mounts: Option<Vec<Bound<'_, PyAny>>>,
        deterministic: Option<i128>,
        trace: bool,
        max_events: i128,
        max_input: i128,
        python_guest: Option<PathBuf>,
        js_guest: Option<PathBuf>,
    ) -> PyResult<Self> {
        let limits = Limits {
            timeout: seconds("timeout", timeout)?,
            fuel: fuel.map(|f| count("fuel", f)).transpose()?,
            memory_bytes: count("memory", memory)?,
            max_output_bytes: count("max_output", max_output)?,
            max_handles: u32::try_from(max_handles).map_err(|_| {
                config_error(format!(
                    "max_handles must be a non-negative integer below 2**32, not {max_handles}"
                ))
            })?,
            ..Limits::default()
        };
        limits.validate().map_err(|e| to_py_err(py, e))?;
        let max_input = count("max_input", max_input)?;
        if max_input > MAX_INPUT {
            return Err(config_error(format!(
                "max_input must be at most {MAX_INPUT} bytes (256 MiB)"
            )));
        }
        let mut env: Vec<(String, String)> = env.unwrap_or_default().into_iter().collect();
        env.sort();
        let mounts = mounts
            .unwrap_or_default()
            .iter()
            .map(mount_of)
            .collect::<PyResult<Vec<_>>>()?;
        let policy = Policy {
            mounts,
            env,
            deterministic: deterministic
                .map(|d| count("deterministic", d))
                .transpose()?,
            ..Policy::default()
        };
        policy.validate().map_err(|e| to_py_err(py, e))?;
        Ok(Sandbox {
            limits,
            policy,
            trace,
            max_events: usize::try_from(count("max_events", max_events)?).unwrap_or(usize::MAX),
            max_input,
            python_guest,
            js_guest,
        })
    }

    /// Runs Python source (``str`` or ``bytes``) in a fresh CPython interpreter.
    ///
    /// ``stdin`` (str or bytes) is what ``input()`` reads; ``args`` become ``sys.argv[1:]``;
    /// ``timeout`` overrides the sandbox's for this run; ``filename`` names the code in
    /// tracebacks (default ``<string>``). Returns a :class:`RunResult`; an uncaught exception
    /// is exit code 1 with its traceback on stderr, not a Python exception here.
    #[pyo3(signature = (code, *, stdin = None, args = None, timeout = None, filename = None))]
    fn run_python(
        &self,
        py: Python<'_>,
        code: &Bound<'_, PyAny>,
        stdin: Option<&Bound<'_, PyAny>>,
        args: Option<Vec<String>>,
        timeout: Option<f64>,
        filename: Option<String>,
    ) -> PyResult<RunResult> {
        let code = code_bytes(code, "code", self.max_input)?;
        let source = match filename {
            Some(f) => Source::file(f, code),
            None => Source::inline(code),
        };
        let p = self.prepare(py, timeout, stdin, args)?;
        let guest = self.python_guest.clone();
        let request = p.request;
        let ran = py.detach(move || -> airlock::Result<(Outcome, Input)> {
            let python = core()?.python(guest.as_deref())?;
            let outcome = python.run(&source, request)?;
            Ok((outcome, Input::python(&source, python.guest())))
        });
        let (outcome, input) = ran.map_err(|e| to_py_err(py, e))?;
        Ok(RunResult::new(outcome, input, p.limits, p.policy, None))
    }

    /// Runs JavaScript source in a fresh QuickJS-NG instance.
    ///
    /// ``env`` is None for plain JavaScript, or ``"browser"``, ``"wsh"``, ``"node"`` or ``"hta"`` to run it
    /// inside that emulated environment (what the script did is in ``result.report["emulation"]``).
    /// The other arguments are as for :meth:`run_python`.
    #[pyo3(signature = (code, *, env = None, stdin = None, args = None, timeout = None, filename = None))]
    #[allow(clippy::too_many_arguments)]
    fn run_js(
        &self,
        py: Python<'_>,
        code: &Bound<'_, PyAny>,
        env: Option<&str>,
        stdin: Option<&Bound<'_, PyAny>>,
        args: Option<Vec<String>>,
        timeout: Option<f64>,
        filename: Option<String>,
    ) -> PyResult<RunResult> {
        let environment = match env {
            None => Environment::Plain,
            Some(name) => Environment::named(name).ok_or_else(|| {
                config_error(format!(
                    "unknown environment {name:?}: use \"browser\", \"wsh\" or \"node\""
                ))
            })?,
        };
        let code = code_bytes(code, "code", self.max_input)?;
        let script = match filename {
            Some(f) => Script::file(f, code),
            None => Script::inline(code),
        };
        let p = self.prepare(py, timeout, stdin, args)?;
        let guest = self.js_guest.clone();
        let request = p.request;
        let ran = py.detach(
            move || -> airlock::Result<(Outcome, Input, Option<Emulation>)> {
                let js = core()?.js(guest.as_deref())?;
                let run = js.run(&script, &environment, request)?;
                Ok((
                    run.outcome,
                    Input::javascript(&script, js.guest()),
                    run.emulation,
                ))
            },
        );
        let (outcome, input, emulation) = ran.map_err(|e| to_py_err(py, e))?;
        Ok(RunResult::new(
            outcome, input, p.limits, p.policy, emulation,
        ))
    }

    /// Compiles a WebAssembly module or component once, for many runs: ``module`` is
    /// ``bytes`` (binary or text format) or a path (``str`` or ``os.PathLike``). Compiled code
    /// is cached on disk, so the next process loads it without compiling.
    fn load_wasm(&self, py: Python<'_>, module: &Bound<'_, PyAny>) -> PyResult<Program> {
        self.compile(py, module).map(|inner| Program { inner })
    }

    /// Runs a WebAssembly module (``_start``) or command component (``wasi:cli/run``):
    /// ``module`` is a :class:`Program` from :meth:`load_wasm`, ``bytes``, or a path.
    #[pyo3(signature = (module, *, stdin = None, args = None, timeout = None))]
    fn run_wasm(
        &self,
        py: Python<'_>,
        module: &Bound<'_, PyAny>,
        stdin: Option<&Bound<'_, PyAny>>,
        args: Option<Vec<String>>,
        timeout: Option<f64>,
    ) -> PyResult<RunResult> {
        let program = match module.cast::<Program>() {
            Ok(p) => p.get().inner.clone(),
            Err(_) => self.compile(py, module)?,
        };
        let p = self.prepare(py, timeout, stdin, args)?;
        let request = p.request;
        let run = program.clone();
        let ran = py.detach(move || core()?.sandbox.run(&run, request));
        let outcome = ran.map_err(|e| to_py_err(py, e))?;
        Ok(RunResult::new(
            outcome,
            Input::program(&program),
            p.limits,
            p.policy,
            None,
        ))
    }

    /// Starts a Python session: one interpreter whose globals persist across
    /// :meth:`PythonSession.exec` calls, each under this sandbox's limits.
    fn python_session(&self, py: Python<'_>) -> PyResult<PythonSession> {
        let p = self.prepare(py, None, None, None)?;
        let guest = self.python_guest.clone();
        let request = p.request;
        let started = py.detach(move || -> airlock::Result<(PyGuest, Session)> {
            let python = core()?.python(guest.as_deref())?;
            let session = python.session(request)?;
            Ok((python, session))
        });
        let (python, session) = started.map_err(|e| to_py_err(py, e))?;
        Ok(PythonSession {
            python,
            session: Mutex::new(Some(session)),
            max_input: self.max_input,
            trace: self.trace,
            max_events: self.max_events,
            limits: p.limits,
            policy: p.policy,
        })
    }

    /// Analyses a suspicious file: detects its type, runs it in the matching emulated
    /// environment, and judges it. ``target`` is a path or the file's ``bytes`` (then ``name``
    /// names it). ``timeout`` is per file (default 2 s); ``rules`` is the text of a verdict
    /// rules file (default: the built-in rules). Returns an :class:`Analysis`. The analysis
    /// uses its own limits (as ``airlock analyze``), not this sandbox's; a path that cannot be
    /// read raises :class:`InputReadError`.
    #[pyo3(signature = (target, *, name = None, timeout = 2.0, rules = None))]
    fn analyze(
        &self,
        py: Python<'_>,
        target: &Bound<'_, PyAny>,
        name: Option<String>,
        timeout: f64,
        rules: Option<String>,
    ) -> PyResult<Analysis> {
        analyze_with(
            py,
            target,
            name,
            timeout,
            rules,
            self.max_input.min(ANALYZE_MAX),
        )
    }

    #[getter]
    fn timeout(&self) -> f64 {
        self.limits.timeout.as_secs_f64()
    }
    #[getter]
    fn memory(&self) -> u64 {
        self.limits.memory_bytes
    }
    #[getter]
    fn fuel(&self) -> Option<u64> {
        self.limits.fuel
    }
    #[getter]
    fn max_output(&self) -> u64 {
        self.limits.max_output_bytes
    }
    #[getter]
    fn max_handles(&self) -> u32 {
        self.limits.max_handles
    }
    #[getter]
    fn mounts(&self) -> Vec<(String, String, bool)> {
        self.policy
            .mounts
            .iter()
            .map(|m| (m.host.display().to_string(), m.guest.clone(), m.writable))
            .collect()
    }
    #[getter]
    fn env(&self) -> HashMap<String, String> {
        self.policy.env.iter().cloned().collect()
    }
    #[getter]
    fn deterministic(&self) -> Option<u64> {
        self.policy.deterministic
    }
    #[getter]
    fn trace(&self) -> bool {
        self.trace
    }

    fn __repr__(&self) -> String {
        let names: Vec<&str> = self.policy.env.iter().map(|(k, _)| k.as_str()).collect();
        let mounts: Vec<String> = self
            .policy
            .mounts
            .iter()
            .map(|m| {
                format!(
                    "{}:{}{}",
                    m.host.display(),
                    m.guest,
                    if m.writable { ":rw" } else { ":ro" }
                )
            })
            .collect();
        format!(
            "Sandbox(timeout={}, memory={}, fuel={}, max_output={}, max_handles={}, env={names:?}, mounts={mounts:?}, deterministic={}, trace={})",
            self.limits.timeout.as_secs_f64(),
            self.limits.memory_bytes,
            opt(self.limits.fuel),
            self.limits.max_output_bytes,
            self.limits.max_handles,
            opt(self.policy.deterministic),
            if self.trace { "True" } else { "False" },
        )
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "None".to_string(), |v| v.to_string())
}

impl Sandbox {
    fn compile(&self, py: Python<'_>, module: &Bound<'_, PyAny>) -> PyResult<Compiled> {
        enum From {
            Bytes(Vec<u8>),
            Path(PathBuf),
        }
        let from = if module.cast::<PyBytes>().is_ok() || module.cast::<PyByteArray>().is_ok() {
            From::Bytes(code_bytes(module, "module", self.max_input)?)
        } else {
            From::Path(module.extract::<PathBuf>().map_err(|_| {
                let ty = module
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "module must be bytes, a path or an airlock.Program, not {ty}"
                ))
            })?)
        };
        let max = self.max_input;
        let loaded = py.detach(move || -> airlock::Result<Compiled> {
            let core = core()?;
            match from {
                From::Bytes(b) => core.sandbox.load_bytes("<bytes>", &b),
                From::Path(p) => {
                    let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
                    if size > max {
                        return Err(airlock::Error::TooLarge { size, limit: max });
                    }
                    core.sandbox.load_file(&p)
                }
            }
        });
        loaded.map_err(|e| to_py_err(py, e))
    }
}

fn analyze_with(
    py: Python<'_>,
    target: &Bound<'_, PyAny>,
    name: Option<String>,
    timeout: f64,
    rules: Option<String>,
    max_input: u64,
) -> PyResult<Analysis> {
    let options = AnalyzeOptions {
        timeout: seconds("timeout", timeout)?,
        max_file_bytes: max_input,
        rules,
    };
    enum What {
        Bytes(String, Vec<u8>),
        Path(PathBuf),
    }
    let what = if target.cast::<PyBytes>().is_ok() || target.cast::<PyByteArray>().is_ok() {
        let bytes = code_bytes(target, "target", max_input)?;
        What::Bytes(name.unwrap_or_else(|| "<bytes>".into()), bytes)
    } else {
        What::Path(target.extract::<PathBuf>().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err("target must be bytes or a path")
        })?)
    };
    let done = py.detach(move || -> airlock::Result<airlock::analyze::Analysis> {
        if let What::Path(path) = &what {
            // A path that cannot be opened is the caller's mistake, not a file to judge.
            if let Err(source) = std::fs::metadata(path) {
                return Err(airlock::Error::Io {
                    path: path.clone(),
                    source,
                });
            }
        }
        let analyzer = core()?.analyzer(options)?;
        Ok(match what {
            What::Bytes(name, bytes) => analyzer.analyze_bytes(&name, &bytes),
            What::Path(path) => analyzer.analyze_path(&path),
        })
    });
    let inner = done.map_err(|e| to_py_err(py, e))?;
    Ok(Analysis { inner })
}

/// Analyses a suspicious file with the default sandbox: see :meth:`Sandbox.analyze`.
#[pyfunction]
#[pyo3(signature = (target, *, name = None, timeout = 2.0, rules = None))]
fn analyze(
    py: Python<'_>,
    target: &Bound<'_, PyAny>,
    name: Option<String>,
    timeout: f64,
    rules: Option<String>,
) -> PyResult<Analysis> {
    analyze_with(py, target, name, timeout, rules, ANALYZE_MAX)
}

/// Everything a run left: how it ended, what it printed, what it used, and its report.
struct RunData {
    outcome: Outcome,
    input: Input,
    limits: Limits,
    policy: Policy,
    emulation: Option<Emulation>,
}

/// The result of one run.
///
/// ``status`` is ``"exited"`` (then ``exit_code`` is set), ``"timeout"``, ``"fuel_exhausted"``,
/// ``"memory_limit"``, ``"output_limit"``, ``"resource_limit"`` (host handles, table elements) or
/// ``"trap"``; ``message`` says it in words.
/// ``stdout`` and ``stderr`` are text (invalid UTF-8 replaced; the raw bytes are in
/// ``stdout_bytes`` and ``stderr_bytes``); ``duration`` is the run's wall-clock time in
/// seconds; ``report`` is the versioned JSON report as a dict. :meth:`check` raises an
/// :class:`ExecutionError` unless the guest exited with 0.
#[pyclass(frozen, module = "airlock")]
struct RunResult {
    data: RunData,
}

impl RunResult {
    fn new(
        outcome: Outcome,
        input: Input,
        limits: Limits,
        policy: Policy,
        emulation: Option<Emulation>,
    ) -> RunResult {
        RunResult {
            data: RunData {
                outcome,
                input,
                limits,
                policy,
                emulation,
            },
        }
    }

    fn report_json(&self) -> String {
        let d = &self.data;
        let report = Report::with_input(d.input.clone(), &d.limits, &d.policy, &d.outcome)
            .with_emulation(d.emulation.as_ref());
        serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// `json.loads(text)`.
fn json_loads(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    Ok(py
        .import("json")?
        .getattr("loads")?
        .call1((text,))?
        .unbind())
}

/// A string for a `__repr__`: Python's repr of at most `max` characters of `s`.
fn short_repr(py: Python<'_>, s: &str, max: usize) -> String {
    let cut: Cow<'_, str> = match s.char_indices().nth(max) {
        Some((i, _)) => Cow::Owned(format!("{}...", &s[..i])),
        None => Cow::Borrowed(s),
    };
    PyString::new(py, &cut)
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_default()
}

fn duration_text(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} us")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

#[pymethods]
impl RunResult {
    /// How the run ended: exited, timeout, fuel_exhausted, memory_limit, output_limit,
    /// resource_limit or trap.
    #[getter]
    fn status(&self) -> &'static str {
        self.data.outcome.status.kind()
    }
    /// The status in words (``"exited with code 0"``, ``"timeout: stopped after ..."``).
    #[getter]
    fn message(&self) -> String {
        self.data.outcome.status.to_string()
    }
    /// The guest's exit code, or None if it did not exit (timeout, limit, trap).
    #[getter]
    fn exit_code(&self) -> Option<i32> {
        self.data.outcome.status.exit_code()
    }
    /// True if the guest exited with code 0.
    #[getter]
    fn ok(&self) -> bool {
        self.data.outcome.status.success()
    }
    /// Standard output as text.
    #[getter]
    fn stdout(&self) -> Cow<'_, str> {
        self.data.outcome.stdout.text()
    }
    /// Standard error as text.
    #[getter]
    fn stderr(&self) -> Cow<'_, str> {
        self.data.outcome.stderr.text()
    }
    /// Standard output as bytes.
    #[getter]
    fn stdout_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.data.outcome.stdout.bytes)
    }
    /// Standard error as bytes.
    #[getter]
    fn stderr_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.data.outcome.stderr.bytes)
    }
    /// True if the guest wrote more to stdout than was kept.
    #[getter]
    fn stdout_truncated(&self) -> bool {
        self.data.outcome.stdout.truncated
    }
    /// True if the guest wrote more to stderr than was kept.
    #[getter]
    fn stderr_truncated(&self) -> bool {
        self.data.outcome.stderr.truncated
    }
    /// Wall-clock time of the run, seconds.
    #[getter]
    fn duration(&self) -> f64 {
        self.data.outcome.duration().as_secs_f64()
    }
    /// Fuel consumed (when fuel metering is on).
    #[getter]
    fn fuel_consumed(&self) -> Option<u64> {
        self.data.outcome.resources.fuel_consumed
    }
    /// The most linear memory the guest had at once (all its memories), bytes.
    #[getter]
    fn peak_memory(&self) -> u64 {
        self.data.outcome.resources.peak_memory_bytes
    }
    /// The run's report (format ``airlock-report``, see docs/report.schema.json) as a new
    /// dict on each access.
    #[getter]
    fn report(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let text = py.detach(|| self.report_json());
        json_loads(py, &text)
    }
    /// The report as JSON text.
    fn report_json_text(&self, py: Python<'_>) -> String {
        py.detach(|| self.report_json())
    }
    /// Returns this result if the guest exited with 0; otherwise raises the matching
    /// :class:`ExecutionError` (``SandboxTimeoutError``, ``LimitExceededError``, ``GuestTrapError``,
    /// ``NonZeroExitError``), whose ``result`` is this result.
    fn check(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        let py = slf.py();
        let status = &slf.get().data.outcome.status;
        let class = match status {
            Status::Exited { code: 0 } => return Ok(slf),
            Status::Exited { .. } => "NonZeroExitError",
            Status::Timeout { .. } => "SandboxTimeoutError",
            Status::Trap { .. } => "GuestTrapError",
            _ => "LimitExceededError",
        };
        let mut message = status.to_string();
        let stderr = slf.get().data.outcome.stderr.text();
        if let Some(last) = stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            message.push_str(": ");
            message.push_str(last.trim());
        }
        Err(raise(
            py,
            class,
            &message,
            &[("result", slf.clone().into_any().unbind())],
        ))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let o = &self.data.outcome;
        let mut s = format!("RunResult(status='{}'", o.status.kind());
        if let Some(code) = o.status.exit_code() {
            s.push_str(&format!(", exit_code={code}"));
        } else {
            s.push_str(&format!(
                ", message={}",
                short_repr(py, &o.status.to_string(), 80)
            ));
        }
        s.push_str(&format!(
            ", duration='{}', stdout={}, stderr={})",
            duration_text(o.duration()),
            short_repr(py, &o.stdout.text(), 60),
            short_repr(py, &o.stderr.text(), 60),
        ));
        s
    }
}

/// A compiled WebAssembly program (from :meth:`Sandbox.load_wasm`), to run many times.
#[pyclass(frozen, module = "airlock")]
struct Program {
    inner: Compiled,
}

#[pymethods]
impl Program {
    /// The name it was loaded under (the file name, or ``<bytes>``).
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }
    /// ``"module"`` or ``"component"``.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind() {
            airlock::WasmKind::Module => "module",
            airlock::WasmKind::Component => "component",
        }
    }
    /// SHA-256 of the binary, hex.
    #[getter]
    fn sha256(&self) -> String {
        self.inner.sha256_hex()
    }
    /// Size of the binary, bytes.
    #[getter]
    fn size(&self) -> u64 {
        self.inner.size()
    }
    /// What it imports (``module::field`` or interface names).
    #[getter]
    fn imports(&self) -> Vec<String> {
        self.inner.imports().to_vec()
    }
    /// What it exports.
    #[getter]
    fn exports(&self) -> Vec<String> {
        self.inner.exports().to_vec()
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Program(name={}, kind='{}', size={}, sha256='{}')",
            short_repr(py, self.inner.name(), 80),
            self.kind(),
            self.inner.size(),
            &self.inner.sha256_hex()[..16]
        )
    }
}

/// A Python interpreter that keeps its globals across :meth:`exec` calls.
///
/// Each call runs under the sandbox's limits (the timeout per call). After a timeout, trap or
/// fuel exhaustion the interpreter is gone: ``exec`` raises :class:`SessionEndedError` until
/// :meth:`reset`. Calls from several threads take turns.
#[pyclass(frozen, module = "airlock")]
struct PythonSession {
    python: PyGuest,
    session: Mutex<Option<Session>>,
    max_input: u64,
    trace: bool,
    max_events: usize,
    limits: Limits,
    policy: Policy,
}

#[pymethods]
impl PythonSession {
    /// Runs ``code`` in the session's interpreter; returns a :class:`RunResult`.
    fn exec(&self, py: Python<'_>, code: &Bound<'_, PyAny>) -> PyResult<RunResult> {
        let code = code_bytes(code, "code", self.max_input)?;
        let source = Source::inline(code);
        let ran = py.detach(|| -> airlock::Result<(Outcome, Input)> {
            let mut slot = lock(&self.session);
            let outcome = match slot.as_mut() {
                Some(s) => s.exec_source(&source)?,
                None => return Err(airlock::Error::SessionEnded("it was closed".into())),
            };
            Ok((outcome, Input::python(&source, self.python.guest())))
        });
        let (outcome, input) = ran.map_err(|e| to_py_err(py, e))?;
        Ok(RunResult::new(
            outcome,
            input,
            self.limits.clone(),
            self.policy.clone(),
            None,
        ))
    }

    /// Starts over with a fresh interpreter (globals gone); works after the session ended.
    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        let done = py.detach(|| -> airlock::Result<()> {
            let mut slot = lock(&self.session);
            match slot.as_mut() {
                Some(s) => s.reset(),
                None => {
                    let request = request(&self.limits, &self.policy, self.trace, self.max_events);
                    *slot = Some(self.python.session(request)?);
                    Ok(())
                }
            }
        });
        done.map_err(|e| to_py_err(py, e))
    }

    /// Drops the interpreter and its memory. ``exec`` then raises until :meth:`reset`.
    fn close(&self, py: Python<'_>) {
        py.detach(|| drop(lock(&self.session).take()));
    }

    /// False once the interpreter was stopped by a limit or closed (True while a call runs).
    #[getter]
    fn alive(&self) -> bool {
        match self.session.try_lock() {
            Ok(slot) => slot.as_ref().is_some_and(Session::is_alive),
            Err(std::sync::TryLockError::WouldBlock) => true,
            Err(std::sync::TryLockError::Poisoned(p)) => {
                p.into_inner().as_ref().is_some_and(Session::is_alive)
            }
        }
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "PythonSession(alive={}, timeout={})",
            if self.alive() { "True" } else { "False" },
            self.limits.timeout.as_secs_f64()
        )
    }
}

/// The analysis of one file: its type, verdict, score, reasons, and the full report.
///
/// ``verdict`` is ``"benign"``, ``"suspicious"``, ``"malicious"`` or ``"not_analysed"``;
/// ``reasons`` lists the rules that fired (rule, description, points, evidence); ``report`` is
/// the whole report as a dict, with its ``analysis`` and ``verdict`` sections.
#[pyclass(frozen, module = "airlock")]
struct Analysis {
    inner: airlock::analyze::Analysis,
}

#[pymethods]
impl Analysis {
    /// The file's name as given.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    /// The detected file type (``javascript``, ``html``, ``wasm_module``, ...).
    #[getter]
    fn file_type(&self) -> &'static str {
        self.inner.file_type.as_str()
    }
    /// benign, suspicious, malicious or not_analysed.
    #[getter]
    fn verdict(&self) -> &'static str {
        self.inner.verdict.verdict.as_str()
    }
    /// The score, 0 to 100.
    #[getter]
    fn score(&self) -> u32 {
        self.inner.verdict.score
    }
    /// low, medium or high.
    #[getter]
    fn confidence(&self) -> &'static str {
        match self.inner.verdict.confidence {
            airlock::verdict::Confidence::Low => "low",
            airlock::verdict::Confidence::Medium => "medium",
            airlock::verdict::Confidence::High => "high",
        }
    }
    /// The one-line summary (``malicious 85/100 (high confidence)``).
    #[getter]
    fn summary(&self) -> String {
        self.inner.verdict.summary()
    }
    /// The rules that fired, highest points first, as dicts.
    #[getter]
    fn reasons<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.inner
            .verdict
            .reasons
            .iter()
            .map(|r| {
                let d = PyDict::new(py);
                d.set_item("rule", &r.rule)?;
                d.set_item("description", &r.description)?;
                d.set_item("points", r.points)?;
                d.set_item("evidence", &r.evidence)?;
                d.set_item("matched", r.matched)?;
                Ok(d)
            })
            .collect()
    }
    /// Time taken, seconds.
    #[getter]
    fn duration(&self) -> f64 {
        self.inner.elapsed.as_secs_f64()
    }
    /// The full report as a new dict on each access.
    #[getter]
    fn report(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let text = py.detach(|| serde_json::to_string(&self.inner.report).unwrap_or_default());
        json_loads(py, &text)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Analysis(name={}, file_type='{}', verdict='{}', score={}, confidence='{}')",
            short_repr(py, &self.inner.name, 80),
            self.file_type(),
            self.verdict(),
            self.score(),
            self.confidence()
        )
    }
}

/// Installs a guest runtime (``"python"`` or ``"js"``) into the user cache, as
/// ``airlock install`` does: pinned by version and sha256, from PyPI. A no-op when the
/// installed guest is up to date (unless ``force``). ``progress`` is called with each step's
/// description. Returns the guest directory.
#[pyfunction]
#[pyo3(signature = (guest, *, force = false, progress = None))]
fn install(
    py: Python<'_>,
    guest: &str,
    force: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let kind = match guest {
        "python" => GuestKind::Python,
        "js" | "javascript" => GuestKind::Js,
        other => {
            return Err(config_error(format!(
                "unknown guest {other:?}: use \"python\" or \"js\""
            )));
        }
    };
    let host_python: Option<PathBuf> = py
        .import("sys")?
        .getattr("executable")?
        .extract::<Option<PathBuf>>()?
        .filter(|p| !p.as_os_str().is_empty());
    let options = airlock::install::InstallOptions {
        host_python: std::env::var_os("AIRLOCK_BUILD_PYTHON")
            .map(PathBuf::from)
            .or(host_python),
        dest: None,
        force,
    };
    let done = py.detach(|| {
        let mut step = |s: &str| {
            if let Some(cb) = &progress {
                Python::attach(|py| {
                    // A failing callback must not stop the install.
                    let _ = cb.call1(py, (s,));
                });
            }
        };
        match kind {
            GuestKind::Python => airlock::install::install_python(&options, &mut step),
            _ => airlock::install::install_js(&options, &mut step),
        }
    });
    let installed = done.map_err(|e| to_py_err(py, e))?;
    Ok(installed.guest.dir.display().to_string())
}

/// Where each guest runtime was looked for and what was found, in search order (as
/// ``airlock doctor``): a list of dicts with ``guest``, ``path``, ``origin``, ``found``, and
/// ``version`` or ``problem``.
#[pyfunction]
fn guests(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    let mut out = Vec::new();
    for kind in [GuestKind::Python, GuestKind::Js] {
        for (dir, origin, found) in airlock::guest::search(kind, None) {
            let d = PyDict::new(py);
            d.set_item("guest", kind.as_str())?;
            d.set_item("path", dir.display().to_string())?;
            d.set_item("origin", origin.to_string())?;
            match found {
                Ok(g) => {
                    d.set_item("found", true)?;
                    d.set_item("version", g.manifest.runtime_version)?;
                }
                Err(why) => {
                    d.set_item("found", false)?;
                    d.set_item("problem", why)?;
                }
            }
            out.push(d);
        }
    }
    Ok(out)
}

/// For the benchmark (python/bench/bench.py): per-call seconds of `n` runs made by the Rust
/// library directly, in a loop without Python in between, with this sandbox's limits and policy:
/// `what` is a :class:`Program` (runs it) or Python source (``str``, runs it in fresh
/// interpreters). What the Python face adds per call is the difference to the same runs made
/// through :meth:`Sandbox.run_wasm` / :meth:`Sandbox.run_python`.
#[pyfunction]
fn _native_timings(
    py: Python<'_>,
    sandbox: &Sandbox,
    what: &Bound<'_, PyAny>,
    n: usize,
) -> PyResult<Vec<f64>> {
    if n > 1_000_000 {
        return Err(config_error(format!("n must be at most 1000000, not {n}")));
    }
    enum Job {
        Wasm(Compiled),
        Python(PyGuest, Source),
    }
    let job = match what.cast::<Program>() {
        Ok(p) => Job::Wasm(p.get().inner.clone()),
        Err(_) => {
            let code = code_bytes(what, "what", sandbox.max_input)?;
            let guest = sandbox.python_guest.clone();
            let python = py
                .detach(move || core()?.python(guest.as_deref()))
                .map_err(|e| to_py_err(py, e))?;
            Job::Python(python, Source::inline(code))
        }
    };
    let (limits, policy) = (sandbox.limits.clone(), sandbox.policy.clone());
    let timed = py.detach(move || -> airlock::Result<Vec<f64>> {
        let core = core()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let started = std::time::Instant::now();
            let request = RunRequest::new(limits.clone(), policy.clone());
            let outcome = match &job {
                Job::Wasm(p) => core.sandbox.run(p, request)?,
                Job::Python(python, source) => python.run(source, request)?,
            };
            drop(outcome);
            out.push(started.elapsed().as_secs_f64());
        }
        Ok(out)
    });
    timed.map_err(|e| to_py_err(py, e))
}

/// The extension module.
#[pymodule]
fn _airlock(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Sandbox>()?;
    m.add_class::<RunResult>()?;
    m.add_class::<Program>()?;
    m.add_class::<PythonSession>()?;
    m.add_class::<Analysis>()?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(install, m)?)?;
    m.add_function(wrap_pyfunction!(guests, m)?)?;
    m.add_function(wrap_pyfunction!(_native_timings, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("REPORT_VERSION", airlock::REPORT_VERSION)?;
    Ok(())
}

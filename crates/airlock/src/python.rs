//! Python in the sandbox: a pre-initialized CPython component, a fresh instance per run, or a
//! session that keeps its globals across calls.
//!
//! The guest is built by `airlock install python` (see [`install`](crate::install)) from
//! airlock's own sources in `guests/python`: a WIT world exporting
//! `run(code, filename, argv, env) -> s32` and a small Python module implementing it, turned
//! into a component by componentize-py, which snapshots the interpreter after start-up (and
//! after importing the modules most code uses). Every run starts from that snapshot. The rest of
//! the standard library is mounted read-only at `/python`, with bytecode compiled at install.
//!
//! ```no_run
//! use airlock::python::{Python, Source};
//! use airlock::{RunRequest, Sandbox, SandboxConfig, Status};
//!
//! # fn main() -> Result<(), airlock::Error> {
//! let sandbox = Sandbox::new(SandboxConfig::default())?;
//! let python = Python::load(&sandbox, &airlock::guest::find(airlock::guest::GuestKind::Python, None)?)?;
//! let outcome = python.run(&Source::inline("print(6 * 7)"), RunRequest::default())?;
//! assert_eq!(outcome.status, Status::Exited { code: 0 });
//! assert_eq!(outcome.stdout.bytes, b"42\n");
//!
//! let mut session = python.session(RunRequest::default())?;
//! session.exec("x = 41")?;
//! assert_eq!(session.exec("print(x + 1)")?.stdout.bytes, b"42\n");
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::Instant;

use wasmtime::Store;
use wasmtime::component::{Func, TypedFunc};

use crate::error::{Error, Result};
use crate::guest::{Guest, GuestKind};
use crate::limits::{Limits, Mount, Policy};
use crate::outcome::{Outcome, Status};
use crate::output::CapturePipe;
use crate::sandbox::{ComponentState, GuestComponent, RunRequest, Sandbox, block_on, traced};
use crate::trace::Recorder;

/// The guest export airlock calls.
const EXPORT: &str = "run";

/// The guest's `run(code, filename, argv, env) -> s32`, typed for one call.
type RunFunc<'a> = TypedFunc<(&'a [u8], &'a str, &'a [String], &'a [(String, String)]), (i32,)>;

/// Python source to run, with the name it has in tracebacks and `sys.argv[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The source, as bytes: CPython decodes it (UTF-8 unless a PEP 263 coding cookie says
    /// otherwise; invalid text is a `SyntaxError` inside Python).
    pub code: Vec<u8>,
    /// The file name shown in tracebacks (`<string>` for inline code).
    pub filename: String,
    /// `sys.argv[0]`: `-c`, `-`, or the script's name, as CPython sets it.
    pub argv0: String,
}

impl Source {
    /// Code given inline, as with `python -c CODE`.
    pub fn inline(code: impl Into<Vec<u8>>) -> Source {
        Source {
            code: code.into(),
            filename: "<string>".into(),
            argv0: "-c".into(),
        }
    }

    /// Code read from standard input, as with `python -`.
    pub fn stdin(code: impl Into<Vec<u8>>) -> Source {
        Source {
            code: code.into(),
            filename: "<stdin>".into(),
            argv0: "-".into(),
        }
    }

    /// A script file's contents, as with `python FILE.py`; `name` is how it is called.
    pub fn file(name: impl Into<String>, code: impl Into<Vec<u8>>) -> Source {
        let name = name.into();
        Source {
            code: code.into(),
            filename: name.clone(),
            argv0: name,
        }
    }
}

struct Shared {
    sandbox: Sandbox,
    component: GuestComponent,
    guest: Guest,
}

/// The Python runtime, loaded into a [`Sandbox`]. Cheap to clone, `Send + Sync`: every
/// [`run`](Python::run) gets a fresh interpreter from the snapshot.
#[derive(Clone)]
pub struct Python {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Python {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Python")
            .field("guest", &self.shared.guest.dir)
            .field("runtime", &self.shared.guest.manifest.runtime_version)
            .finish()
    }
}

impl Python {
    /// Loads the guest into the sandbox: compiles it the first time (several seconds; see
    /// [`Python::is_compiled`]), and later maps its compiled code from the cache.
    pub fn load(sandbox: &Sandbox, guest: &Guest) -> Result<Python> {
        if guest.manifest.guest != GuestKind::Python {
            return Err(Error::Config(format!(
                "{} is not a Python guest",
                guest.dir.display()
            )));
        }
        let component = sandbox.load_guest_component(
            &guest.component_path(),
            Some(&guest.manifest.component_sha256),
            EXPORT,
        )?;
        Ok(Python {
            shared: Arc::new(Shared {
                sandbox: sandbox.clone(),
                component,
                guest: guest.clone(),
            }),
        })
    }

    /// Whether the guest's compiled code is in the sandbox's cache (loading will be fast).
    pub fn is_compiled(sandbox: &Sandbox, guest: &Guest) -> bool {
        sandbox.is_cached_component(&guest.manifest.component_sha256)
    }

    /// The guest in use.
    pub fn guest(&self) -> &Guest {
        &self.shared.guest
    }

    /// Runs `source` in a fresh interpreter. `request.policy.args` follow `sys.argv[0]`, and
    /// `request.policy.env` becomes `os.environ`. The exit code is CPython's: 0, 1 after an
    /// uncaught exception (traceback on stderr), or what `sys.exit` was given.
    pub fn run(&self, source: &Source, request: RunRequest) -> Result<Outcome> {
        block_on(|| self.run_async(source, request))
    }

    /// [`run`](Python::run), for callers already in a tokio runtime (with time enabled).
    pub async fn run_async(&self, source: &Source, request: RunRequest) -> Result<Outcome> {
        self.start(request)?.call(source).await
    }

    /// Starts a session: one interpreter whose globals persist across
    /// [`exec`](PythonSession::exec) calls, each call under `request.limits` (the timeout, fuel
    /// and output limits apply per call; the memory and handle limits to the interpreter as a
    /// whole: files a call leaves open count against the next).
    pub fn session(&self, request: RunRequest) -> Result<PythonSession> {
        self.start(request)
    }

    fn start(&self, request: RunRequest) -> Result<PythonSession> {
        let RunRequest {
            limits,
            mut policy,
            stdout_sink,
            stderr_sink,
            trace,
        } = request;
        let guest = &self.shared.guest;
        let mount = &guest.manifest.data_mount;
        if policy
            .mounts
            .iter()
            .any(|m| m.guest.trim_end_matches('/') == mount.as_str())
        {
            return Err(Error::Config(format!(
                "{mount} is where the standard library is mounted; mount elsewhere"
            )));
        }
        policy
            .mounts
            .push(Mount::read_only(guest.data_path(), mount.clone()));
        crate::sandbox::refuse_writable_over(&policy, &guest.dir, "a guest runtime's directory")?;
        let sandbox = &self.shared.sandbox;
        let mut begun = sandbox.begin(
            "python",
            RunRequest {
                limits,
                policy: policy.clone(),
                stdout_sink,
                stderr_sink,
                trace,
            },
        )?;
        let recorder = begun.recorder();
        let store = sandbox.component_store(&mut begun.wasi, &begun.limits, Instant::now())?;
        Ok(PythonSession {
            python: self.clone(),
            store,
            func: None,
            limits: begun.limits,
            policy,
            stdout: begun.stdout,
            stderr: begun.stderr,
            recorder,
            dead: None,
        })
    }
}

/// One interpreter that keeps its state across calls. Not shared between threads at once
/// (`Send`, not `Sync`); drop it to free its memory, or [`reset`](PythonSession::reset) it.
pub struct PythonSession {
    python: Python,
    store: Store<ComponentState>,
    /// The guest's `run`, once the instance exists (instantiated on the first call).
    func: Option<Func>,
    limits: Limits,
    policy: Policy,
    stdout: CapturePipe,
    stderr: CapturePipe,
    recorder: Recorder,
    /// Why the instance can no longer be called, if it cannot.
    dead: Option<String>,
}

impl std::fmt::Debug for PythonSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PythonSession")
            .field("limits", &self.limits)
            .field("started", &self.func.is_some())
            .field("dead", &self.dead)
            .finish()
    }
}

impl PythonSession {
    /// Runs code in this session's globals (as `__main__`, file name `<string>`). A Python
    /// exception is an outcome with exit code 1 and the session goes on; a timeout, trap or
    /// exhausted fuel ends the interpreter, and later calls fail until [`reset`](Self::reset).
    pub fn exec(&mut self, code: impl AsRef<[u8]>) -> Result<Outcome> {
        let source = Source::inline(code.as_ref());
        block_on(|| self.call(&source))
    }

    /// Runs a [`Source`] in this session's globals.
    pub fn exec_source(&mut self, source: &Source) -> Result<Outcome> {
        block_on(|| self.call(source))
    }

    /// Whether the interpreter can still be called.
    pub fn is_alive(&self) -> bool {
        self.dead.is_none()
    }

    /// Replaces the interpreter with a fresh one from the snapshot (same limits and policy):
    /// globals, imports and memory start over.
    pub fn reset(&mut self) -> Result<()> {
        let sandbox = &self.python.shared.sandbox;
        let (mut wasi, _time) =
            sandbox.wasi_ctx(&self.policy, "python", &self.stdout, &self.stderr)?;
        self.store = sandbox.component_store(&mut wasi, &self.limits, Instant::now())?;
        self.func = None;
        self.dead = None;
        Ok(())
    }

    async fn call(&mut self, source: &Source) -> Result<Outcome> {
        if let Some(why) = &self.dead {
            return Err(Error::SessionEnded(why.clone()));
        }
        let shared = &self.python.shared;
        let sandbox = &shared.sandbox;
        let mut argv = Vec::with_capacity(1 + self.policy.args.len());
        argv.push(source.argv0.clone());
        argv.extend(self.policy.args.iter().cloned());
        let started = Instant::now();
        let deadline = started
            .checked_add(self.limits.timeout)
            .ok_or_else(|| Error::Config("the timeout is too large".into()))?;
        self.store.data_mut().deadline = deadline;
        let limiter = &mut self.store.data_mut().limiter;
        limiter.memory_refused = None;
        limiter.table_refused = None;
        sandbox.refuel(&mut self.store, &self.limits)?;
        let _ticking = sandbox.ticking(deadline);
        let store = &mut self.store;
        let func_slot = &mut self.func;
        let env = &self.policy.env;
        let call = async {
            let func = match func_slot {
                Some(f) => *f,
                None => {
                    let instance = shared.component.pre.instantiate_async(&mut *store).await?;
                    let f = instance
                        .get_func(&mut *store, shared.component.func)
                        .ok_or_else(|| wasmtime::format_err!("the guest has no `{EXPORT}`"))?;
                    *func_slot = Some(f);
                    f
                }
            };
            let func: RunFunc<'_> = func.typed(&*store)?;
            let (code,) = func
                .call_async(
                    &mut *store,
                    (&source.code[..], &source.filename[..], &argv[..], &env[..]),
                )
                .await?;
            Ok(code)
        };
        let end = traced(&self.recorder, deadline, call).await;
        // Anything but a return (an exit through `os._exit` or `sys.exit` past the guest's
        // handler, a trap, a timeout) leaves the interpreter unusable.
        let returned = matches!(end, Ok(Ok(_)));
        let fuel_left = sandbox.fuel_left(&self.store);
        let outcome = sandbox.finish(
            &self.limits,
            started,
            end,
            fuel_left,
            &self.store.data().limiter,
            &self.stdout,
            &self.stderr,
            &self.recorder,
        )?;
        if !returned {
            self.dead = Some(match outcome.status {
                Status::Exited { code } => format!("the interpreter exited (code {code})"),
                ref other => format!("the interpreter was stopped: {other}"),
            });
        }
        Ok(outcome)
    }
}

//! Python in the sandbox: a pre-initialized CPython, a fresh instance per run, or a session that
//! keeps its globals across calls.
//!
//! The guest is built by `airlock install python` (see [`install`](crate::install)): CPython
//! 3.11 compiled for WASI from source and statically linked as one core module (a reactor whose
//! entry points are `guests/python/glue.c`), started once with airlock's guest module
//! (`guests/python/airlock_guest.py`, which imports the modules most code uses and defines the
//! entry point) and snapshotted by wasmtime-wizer. Every run is a fresh instance of that
//! snapshot, its memory a copy-on-write image. The standard library is mounted read-only at
//! `/python`, with bytecode compiled at install.
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

use wasmtime::{Instance, InstancePre, Store};

use crate::error::{Error, Result};
use crate::guest::{Guest, GuestKind};
use crate::js::GuestHeap;
use crate::limits::{Limits, Mount, Policy};
use crate::outcome::{Outcome, Status};
use crate::output::CapturePipe;
use crate::sandbox::{ModuleState, RunRequest, Sandbox, block_on};
use crate::trace::Recorder;

/// airlock's guest module, run in the interpreter before the snapshot.
pub(crate) const GUEST_MODULE: &str = include_str!("../../../guests/python/airlock_guest.py");

/// Where the standard library is mounted: the guest's `sys.path`.
pub(crate) const STDLIB_MOUNT: &str = "/python";

/// The guest's allocator, for the run's data.
const MALLOC: &str = "airlock_malloc";

/// The guest's empty directory, mounted read-only at `/` unless the run mounts something there:
/// paths outside every mount then reach the host (and the trace) and do not exist, as in an
/// empty file system, rather than being refused inside the guest's C library.
pub(crate) const ROOT_DIR: &str = "root";

/// The first descriptor of a run's own mounts: 0-2 are the standard streams, 3 the standard
/// library and 4 the root (the directories the snapshot's C library knows).
const FIRST_MOUNT_FD: i32 = 5;

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
    pre: InstancePre<ModuleState>,
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
        // A guest built by an earlier airlock (a componentize-py component), or copied without
        // its empty root directory, cannot run: say how to get one that can.
        let mut head = [0u8; 8];
        let header = std::fs::File::open(guest.component_path())
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
        let module = header.is_ok()
            && matches!(
                crate::detect::kind_of_binary(&head),
                Ok(crate::WasmKind::Module)
            );
        if !module || !guest.dir.join(ROOT_DIR).is_dir() {
            return Err(Error::GuestUnavailable {
                guest: GuestKind::Python.as_str().into(),
                reason: format!(
                    "{} holds a Python guest this airlock cannot run (built by {}, or incomplete)",
                    guest.dir.display(),
                    guest.manifest.builder
                ),
                hint: "run `airlock install python` to build the current one".into(),
            });
        }
        let sha256 = &guest.manifest.component_sha256;
        let pre = sandbox.load_module_with(sha256, || {
            sandbox.read_guest_binary(&guest.component_path(), sha256)
        })?;
        Ok(Python {
            shared: Arc::new(Shared {
                sandbox: sandbox.clone(),
                pre,
                guest: guest.clone(),
            }),
        })
    }

    /// Whether the guest's compiled code is in the sandbox's cache (loading will be fast).
    pub fn is_compiled(sandbox: &Sandbox, guest: &Guest) -> bool {
        sandbox.is_cached_module(&guest.manifest.component_sha256)
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
        // Mount paths as the guest's C library compares them (`//python`, `./python` and
        // `python/` are all `/python`): none may shadow the standard library, and `/`, `.` or
        // `./` is the root.
        let mut seen = std::collections::HashSet::new();
        let mut root = None;
        for (i, m) in policy.mounts.iter().enumerate() {
            let path = libc_path(&m.guest).ok_or_else(|| {
                Error::Config(format!(
                    "the mount path {:?} climbs out of the root (`..`)",
                    m.guest
                ))
            })?;
            let stdlib = STDLIB_MOUNT.trim_start_matches('/');
            if path == stdlib || path.starts_with(&format!("{stdlib}/")) {
                return Err(Error::Config(format!(
                    "{STDLIB_MOUNT} is where the standard library is mounted; mount elsewhere (not {:?})",
                    m.guest
                )));
            }
            if !seen.insert(path.clone()) {
                return Err(Error::Config(format!(
                    "two mounts at /{path}: each guest path takes one directory"
                )));
            }
            if path.is_empty() {
                root = Some(i);
            }
        }
        crate::sandbox::refuse_writable_over(&policy, &guest.dir, "a guest runtime's directory")?;
        // The standard library and the root first: they are descriptors 3 and 4, as when the
        // snapshot was taken.
        let root = match root {
            Some(i) => policy.mounts.remove(i),
            None => Mount::read_only(guest.dir.join(ROOT_DIR), "/"),
        };
        let mounts: Vec<String> = policy.mounts.iter().map(|m| m.guest.clone()).collect();
        policy.mounts.splice(
            0..0,
            [Mount::read_only(guest.data_path(), STDLIB_MOUNT), root],
        );
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
        let state = ModuleState::new(
            begun.wasi.build_p1(),
            recorder.clone(),
            &begun.limits,
            Instant::now(),
        );
        let store = sandbox.new_store(state, &begun.limits)?;
        Ok(PythonSession {
            python: self.clone(),
            store,
            instance: None,
            mounts,
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
    store: Store<ModuleState>,
    /// The interpreter, once it exists (instantiated on the first call).
    instance: Option<Instance>,
    /// Where the run's own mounts are in the guest (descriptors 5, 6, ...).
    mounts: Vec<String>,
    limits: Limits,
    /// The run's policy, with the standard library's mount first.
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
            .field("started", &self.instance.is_some())
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
        let state = ModuleState::new(
            wasi.build_p1(),
            self.recorder.clone(),
            &self.limits,
            Instant::now(),
        );
        self.store = sandbox.new_store(state, &self.limits)?;
        self.instance = None;
        self.dead = None;
        Ok(())
    }

    async fn call(&mut self, source: &Source) -> Result<Outcome> {
        if let Some(why) = &self.dead {
            return Err(Error::SessionEnded(why.clone()));
        }
        let shared = &self.python.shared;
        let sandbox = &shared.sandbox;
        let data = run_data(source, &self.policy.args, &self.policy.env)?;
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
        let instance_slot = &mut self.instance;
        let mounts = &self.mounts;
        let call = async {
            let instance = match instance_slot {
                Some(i) => *i,
                None => {
                    let i = shared.pre.instantiate_async(&mut *store).await?;
                    register_mounts(&mut *store, &i, mounts).await?;
                    *instance_slot = Some(i);
                    i
                }
            };
            let heap = GuestHeap::of(&mut *store, &instance, MALLOC)?;
            let at = heap.put(&mut *store, &[&data]).await?;
            let len = u32::try_from(data.len())?;
            drop(data);
            instance
                .get_typed_func::<(u32, u32), i32>(&mut *store, "airlock_run")?
                .call_async(&mut *store, (at, len))
                .await
        };
        let end = tokio::time::timeout_at(deadline.into(), call).await;
        // Anything but a return (an exit through `os._exit`, a trap, a timeout) leaves the
        // interpreter unusable.
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

/// Makes a fresh instance's C library know the run's mounts (descriptors 5, 6, ...): the
/// snapshot's knows only the standard library's (3) and the root's (4).
async fn register_mounts(
    store: &mut Store<ModuleState>,
    instance: &Instance,
    mounts: &[String],
) -> wasmtime::Result<()> {
    if mounts.is_empty() {
        return Ok(());
    }
    let heap = GuestHeap::of(&mut *store, instance, MALLOC)?;
    let preopen = instance.get_typed_func::<(i32, u32), i32>(&mut *store, "airlock_preopen")?;
    for (fd, path) in (FIRST_MOUNT_FD..).zip(mounts) {
        // The C library copies the string; this copy stays in the guest's heap (a few bytes a
        // mount).
        let at = heap.put(&mut *store, &[path.as_bytes(), &[0]]).await?;
        if preopen.call_async(&mut *store, (fd, at)).await? != 0 {
            wasmtime::bail!("the guest's C library refused the mount {path}");
        }
    }
    Ok(())
}

/// `path` as the guest's C library compares mount paths (without leading `/` or `./`, `.`
/// components and repeated `/`); `None` if it has a `..` component.
fn libc_path(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// A call's data for the guest's `run` (see `guests/python/airlock_guest.py`): fields of a
/// 4-byte little-endian length and that many bytes: the code, the file name, the number of
/// arguments, `sys.argv` (the source's `argv0`, then `args`), then the environment's names and
/// values.
fn run_data(source: &Source, args: &[String], env: &[(String, String)]) -> Result<Vec<u8>> {
    let argc = (1 + args.len()).to_string();
    let fields: Vec<&[u8]> = [
        &source.code[..],
        source.filename.as_bytes(),
        argc.as_bytes(),
    ]
    .into_iter()
    .chain(std::iter::once(source.argv0.as_bytes()))
    .chain(args.iter().map(|a| a.as_bytes()))
    .chain(env.iter().flat_map(|(k, v)| [k.as_bytes(), v.as_bytes()]))
    .collect();
    let total: usize = fields.iter().map(|f| 4 + f.len()).sum();
    // The guest is a 32-bit interpreter: its objects are smaller than 2 GiB.
    let too_big = || {
        Error::Config(format!(
            "the source, arguments and environment come to {total} bytes; a Python guest takes less than 2 GiB"
        ))
    };
    if total > i32::MAX as usize {
        return Err(too_big());
    }
    let mut data = Vec::with_capacity(total);
    for field in fields {
        let len = u32::try_from(field.len()).map_err(|_| too_big())?;
        data.extend_from_slice(&len.to_le_bytes());
        data.extend_from_slice(field);
    }
    Ok(data)
}

/// Pre-initializes the interpreter `reactor` (the linked CPython, see
/// [`python_build`](crate::python_build)) with the standard library in `stdlib` and the empty
/// `root`: starts it, runs airlock's guest module, and snapshots the instance with
/// wasmtime-wizer. Returns the snapshot module.
pub(crate) fn snapshot(
    sandbox: &Sandbox,
    reactor: &[u8],
    stdlib: &std::path::Path,
    root: &std::path::Path,
) -> Result<Vec<u8>> {
    let internal = |e| Error::internal("Python snapshot", e);
    let mut wizer = wasmtime_wizer::Wizer::new();
    wizer.init_func("_initialize");
    let (cx, instrumented) = wizer.instrument(reactor).map_err(internal)?;
    let module = wasmtime::Module::new(sandbox.engine(), &instrumented).map_err(internal)?;
    let pre = sandbox.link_module(&module)?;
    // What the interpreter says if it fails to start.
    let stderr = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(64 << 10);
    let mut wasi = wasmtime_wasi::WasiCtxBuilder::new();
    wasi.stderr(stderr.clone())
        .preopened_dir(stdlib, STDLIB_MOUNT, wasmtime_wasi::FsPerms::ReadOnly)
        .map_err(|e| Error::Config(format!("cannot mount {}: {e:#}", stdlib.display())))?
        .preopened_dir(root, "/", wasmtime_wasi::FsPerms::ReadOnly)
        .map_err(|e| Error::Config(format!("cannot mount {}: {e:#}", root.display())))?;
    let limits = Limits::default();
    let deadline = Instant::now() + limits.timeout;
    let state = ModuleState::new(wasi.build_p1(), Recorder::disabled(), &limits, deadline);
    let mut store = sandbox.new_store(state, &limits)?;
    let start = async {
        let _ticking = sandbox.ticking(deadline);
        let instance = pre.instantiate_async(&mut store).await?;
        instance
            .get_typed_func::<(), ()>(&mut store, "_initialize")?
            .call_async(&mut store, ())
            .await?;
        let heap = GuestHeap::of(&mut store, &instance, MALLOC)?;
        let home = heap
            .put(&mut store, &[STDLIB_MOUNT.as_bytes(), &[0]])
            .await?;
        let module = heap
            .put(&mut store, &[GUEST_MODULE.as_bytes(), &[0]])
            .await?;
        let status = instance
            .get_typed_func::<(u32, u32), i32>(&mut store, "airlock_init")?
            .call_async(&mut store, (home, module))
            .await?;
        if status != 0 {
            wasmtime::bail!(
                "the interpreter did not start (step {status}): {}",
                String::from_utf8_lossy(&stderr.contents())
            );
        }
        crate::snapshot::take(&wizer, &cx, &mut store, instance).await
    };
    block_on(|| async { start.await.map_err(internal) })
}

//! The sandbox: one engine, compiled once, reused for many isolated runs.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sha2::{Digest, Sha256};
use wasmtime::component::{self, ResourceTable, ResourceTableError};
use wasmtime::{
    Config, Engine, InstancePre, Linker, Module, PoolingAllocationConfig, Store, Trap,
    UpdateDeadline, WasmBacktrace,
};
use wasmtime_wasi::p2::bindings::CommandPre;
use wasmtime_wasi::{Deterministic, FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::cache::DiskCache;
use crate::detect::{self, WasmKind};
use crate::determinism::{VirtualMonotonic, VirtualTime, VirtualWall, random_bytes};
use crate::error::{Error, InvalidModule, Result};
use crate::limiter::Limiter;
use crate::limits::{Limits, MAX_PER_RUN, MAX_TABLE_ELEMENTS, Policy, Stdin};
use crate::outcome::{Frame, LimitedResource, Outcome, Resources, Status, Stream};
use crate::output::{CapturePipe, OutputLimitExceeded, Sink};
use crate::ticker::Ticker;
use crate::trace::{Recorder, TimeSource, TraceConfig};
use crate::trace_p1::TracedP1;

/// The largest linear memory a guest can be granted (4 GiB, the 32-bit address space).
pub const MAX_GUEST_MEMORY: u64 = 4 << 30;
const KEEP_RESIDENT: usize = 64 * 1024;
const MAX_BACKTRACE: usize = 8;
const MEMORY_PROGRAMS: usize = 64;

/// How a [`Sandbox`] is built. Settings here shape the compiled code or the allocator; per-run
/// limits are in [`Limits`].
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Directory of the on-disk compiled-code cache; `None` disables it.
    /// Default: [`cache::default_dir`](crate::cache::default_dir).
    pub cache_dir: Option<PathBuf>,
    /// Largest input accepted, in bytes. Larger files are refused before being read. Default 256 MiB.
    pub max_input_bytes: u64,
    /// Fuel metering (needed for [`Limits::fuel`] and the fuel figure). Costs about 10% on
    /// tight loops. Default on.
    pub fuel_metering: bool,
    /// Runs that may be in flight at once in this sandbox (slots of the pooling allocator).
    /// Default 64.
    pub max_concurrent_runs: u32,
    /// Bytes at the start of each linear memory kept resident between runs: when a run ends, the
    /// pages it wrote there are reset in place (to the memory image, or zero) instead of being
    /// unmapped, so the next run does not fault them in again; pages past it are unmapped.
    /// Each memory slot a run used keeps up to this much resident (the pool has
    /// [`max_concurrent_runs`](Self::max_concurrent_runs) x 16 slots: after a burst of runs of
    /// modules that each write 8 MiB in 16 memories, that is 8 GiB with the defaults; a sandbox
    /// for such modules should keep less).
    ///
    /// Where the kernel can say which pages a run wrote (Linux 6.7+, `PAGEMAP_SCAN`), only those
    /// are reset, and the default is 8 MiB ([`JS_KEEP_RESIDENT`]): fresh Python sandboxes ran
    /// -3% to +11% faster on one thread and 12-24% on two, JavaScript analyses 2-20% (QuickJS's
    /// pre-initialized memory is 3-4 MiB). Elsewhere the whole kept range is copied back after
    /// every run, which pays off only for guests whose runs write most of it (JavaScript: the
    /// analyzer keeps 8 MiB for it), while 8 MiB made a fresh Python sandbox ~30% slower; the
    /// default there is 64 KiB.
    pub memory_keep_resident: usize,
}

/// [`SandboxConfig::memory_keep_resident`] for sandboxes that run JavaScript: it covers QuickJS's
/// pre-initialized memory and the heap of a typical analysis (8 MiB).
pub const JS_KEEP_RESIDENT: usize = 8 << 20;

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            cache_dir: crate::cache::default_dir(),
            max_input_bytes: 256 << 20,
            fuel_metering: true,
            max_concurrent_runs: 64,
            memory_keep_resident: default_keep_resident(),
        }
    }
}

/// The default [`SandboxConfig::memory_keep_resident`]: 8 MiB where the kernel has
/// `PAGEMAP_SCAN`, else 64 KiB (asked once per process).
fn default_keep_resident() -> usize {
    static KEEP: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *KEEP.get_or_init(|| {
        if wasmtime::PoolingAllocationConfig::is_pagemap_scan_available() {
            JS_KEEP_RESIDENT
        } else {
            KEEP_RESIDENT
        }
    })
}

/// One run's request: limits, policy, and where to forward output live.
#[derive(Default)]
pub struct RunRequest {
    /// Hard limits.
    pub limits: Limits,
    /// What the guest may see.
    pub policy: Policy,
    /// If set, stdout is also written here as the guest writes it (still bounded by the limit).
    /// It is called from the guest's write: a sink that blocks holds the guest there, where
    /// the timeout cannot stop it, so a sink that may block should hand the bytes to a thread.
    pub stdout_sink: Option<Sink>,
    /// If set, stderr is also written here as the guest writes it.
    pub stderr_sink: Option<Sink>,
    /// Whether and how host calls are recorded (off by default).
    pub trace: TraceConfig,
}

impl std::fmt::Debug for RunRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunRequest")
            .field("limits", &self.limits)
            .field("policy", &self.policy)
            .field("stdout_sink", &self.stdout_sink.is_some())
            .field("stderr_sink", &self.stderr_sink.is_some())
            .field("trace", &self.trace)
            .finish()
    }
}

impl RunRequest {
    /// A request with these limits and policy and no forwarding.
    pub fn new(limits: Limits, policy: Policy) -> Self {
        RunRequest {
            limits,
            policy,
            stdout_sink: None,
            stderr_sink: None,
            trace: TraceConfig::default(),
        }
    }
}

/// The store data of a core module instance.
pub(crate) struct ModuleState {
    pub(crate) wasi: TracedP1,
    pub(crate) limiter: Limiter,
    /// When the run must end (read by the epoch callback).
    pub(crate) deadline: Instant,
}

impl ModuleState {
    /// The state of an instance with the WASI context `ctx` (its calls recorded by `recorder`,
    /// no emulation channel), under `limits`, ending at `deadline`.
    pub(crate) fn new(
        ctx: wasmtime_wasi::p1::WasiP1Ctx,
        recorder: Recorder,
        limits: &Limits,
        deadline: Instant,
    ) -> ModuleState {
        ModuleState {
            wasi: TracedP1 {
                ctx,
                recorder,
                channel: None,
            },
            limiter: Limiter::new(limits),
            deadline,
        }
    }
}

/// The store data of a component instance.
pub(crate) struct ComponentState {
    ctx: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    /// When the current call must end (read by the epoch callback).
    pub(crate) deadline: Instant,
}

impl WasiView for ComponentState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

pub(crate) trait RunState: Send + 'static {
    fn limiter(&mut self) -> &mut Limiter;
    fn deadline(&self) -> Instant;
    /// The table of the guest's host handles (files, streams, ...).
    fn handles(&mut self) -> &mut ResourceTable;
}
impl RunState for ModuleState {
    fn limiter(&mut self) -> &mut Limiter {
        &mut self.limiter
    }
    fn handles(&mut self) -> &mut ResourceTable {
        self.wasi.ctx.ctx().table
    }
    fn deadline(&self) -> Instant {
        self.deadline
    }
}
impl RunState for ComponentState {
    fn handles(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
    fn limiter(&mut self) -> &mut Limiter {
        &mut self.limiter
    }
    fn deadline(&self) -> Instant {
        self.deadline
    }
}

enum Pre {
    Module(InstancePre<ModuleState>),
    Component(CommandPre<ComponentState>),
}

struct ProgramInner {
    kind: WasmKind,
    sha256: [u8; 32],
    size: u64,
    imports: Vec<String>,
    exports: Vec<String>,
    engine: Engine,
    pre: Pre,
}

/// A compiled, linked program ready to be run any number of times. Cheap to clone.
#[derive(Clone)]
pub struct Program {
    inner: Arc<ProgramInner>,
    name: Arc<str>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("name", &self.name)
            .field("kind", &self.inner.kind)
            .field("sha256", &self.sha256_hex())
            .field("size", &self.inner.size)
            .finish()
    }
}

impl Program {
    /// The name given at load time (usually the file name).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Module or component.
    pub fn kind(&self) -> WasmKind {
        self.inner.kind
    }
    /// SHA-256 of the binary WebAssembly, in hex.
    pub fn sha256_hex(&self) -> String {
        hex(&self.inner.sha256)
    }
    /// Size of the binary WebAssembly in bytes.
    pub fn size(&self) -> u64 {
        self.inner.size
    }
    /// Imports as `module::field` (modules) or interface names (components).
    pub fn imports(&self) -> &[String] {
        &self.inner.imports
    }
    /// Export names.
    pub fn exports(&self) -> &[String] {
        &self.inner.exports
    }
}

/// The WASI preview 1 linker of core modules, and the names it provides.
struct ModuleLinker {
    linker: Linker<ModuleState>,
    /// The names the linker provides, to name unknown imports precisely.
    provided: HashSet<(String, String)>,
}

impl ModuleLinker {
    fn new(engine: &Engine) -> Result<ModuleLinker> {
        let mut linker: Linker<ModuleState> = Linker::new(engine);
        crate::trace_p1::add_to_linker(&mut linker, |s: &mut ModuleState| &mut s.wasi)
            .map_err(|e| Error::internal("linker", e))?;
        let mut store = Store::new(
            engine,
            ModuleState::new(
                WasiCtxBuilder::new().build_p1(),
                Recorder::disabled(),
                &Limits::default(),
                Instant::now(),
            ),
        );
        let provided = linker
            .iter(&mut store)
            .map(|(m, f, _)| (m.to_string(), f.to_string()))
            .collect();
        Ok(ModuleLinker { linker, provided })
    }
}

struct Inner {
    engine: Engine,
    /// The linkers are built on first use: a process runs modules or components or both, and
    /// building each costs a few tenths of a millisecond.
    module_linker: std::sync::OnceLock<ModuleLinker>,
    component_linker: std::sync::OnceLock<component::Linker<ComponentState>>,
    cache: Option<DiskCache>,
    programs: Mutex<HashMap<[u8; 32], Program>>,
    ticker: Ticker,
    config: SandboxConfig,
}

/// Runs WebAssembly guests in isolation. Build one and share it: it is `Send + Sync` and cheap
/// to clone; every run gets a fresh instance, store, pipes and limits.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("config", &self.inner.config)
            .finish()
    }
}

/// A thread's runtime. When the thread ends it is shut down without waiting for its blocking
/// threads: one may be stuck in a host call that a timed-out run left behind (opening a FIFO that
/// nobody writes), and waiting would hang the thread, or the process at exit, for good.
struct ThreadRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ThreadRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

thread_local! {
    static RUNTIME: std::result::Result<ThreadRuntime, String> =
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map(|rt| ThreadRuntime(Some(rt)))
            .map_err(|e| e.to_string());
}

impl Sandbox {
    /// Builds the engine, linkers and epoch ticker.
    pub fn new(config: SandboxConfig) -> Result<Sandbox> {
        crate::trace_p2::keep_interest_dynamic();
        let engine =
            Engine::new(&engine_config(&config)).map_err(|e| Error::internal("engine", e))?;

        let cache = config
            .cache_dir
            .clone()
            .map(|root| DiskCache::new(root, &fingerprint(&engine)));
        let ticker =
            Ticker::start(engine.clone()).map_err(|e| Error::internal("epoch thread", e))?;
        Ok(Sandbox {
            inner: Arc::new(Inner {
                engine,
                module_linker: std::sync::OnceLock::new(),
                component_linker: std::sync::OnceLock::new(),
                cache,
                programs: Mutex::new(HashMap::new()),
                ticker,
                config,
            }),
        })
    }

    fn module_linker(&self) -> Result<&ModuleLinker> {
        match self.inner.module_linker.get() {
            Some(l) => Ok(l),
            None => {
                let l = ModuleLinker::new(&self.inner.engine)?;
                Ok(self.inner.module_linker.get_or_init(|| l))
            }
        }
    }

    /// How this sandbox was built.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// The on-disk cache in use, if any.
    pub fn cache(&self) -> Option<&DiskCache> {
        self.inner.cache.as_ref()
    }

    /// Reads, compiles (or loads from cache) and links a `.wasm` or `.wat` file. Files larger
    /// than [`SandboxConfig::max_input_bytes`] are refused before being read.
    pub fn load_file(&self, path: impl AsRef<Path>) -> Result<Program> {
        let path = path.as_ref();
        let bytes = read_bounded(path, self.inner.config.max_input_bytes)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.load_bytes(&name, &bytes)
    }

    /// Compiles (or loads from cache) and links WebAssembly given as bytes (binary or text).
    pub fn load_bytes(&self, name: &str, bytes: &[u8]) -> Result<Program> {
        let limit = self.inner.config.max_input_bytes;
        if bytes.len() as u64 > limit {
            return Err(Error::TooLarge {
                size: bytes.len() as u64,
                limit,
            });
        }
        let (binary, kind) = detect::to_binary(bytes)?;
        let sha256: [u8; 32] = Sha256::digest(&binary).into();
        if let Some(p) = self.programs().get(&sha256) {
            // Same code under another name: share the compiled program, keep the caller's name.
            return Ok(Program {
                inner: p.inner.clone(),
                name: name.into(),
            });
        }
        let inner = match kind {
            WasmKind::Module => self.prepare_module(&binary, sha256)?,
            WasmKind::Component => self.prepare_component(&binary, sha256)?,
        };
        let program = Program {
            inner: Arc::new(inner),
            name: name.into(),
        };
        let mut programs = self.programs();
        if programs.len() >= MEMORY_PROGRAMS {
            programs.clear();
        }
        programs.insert(sha256, program.clone());
        Ok(program)
    }

    fn programs(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Program>> {
        self.inner
            .programs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Loads compiled code for `key` from the cache, or compiles `binary()` and caches it.
    fn compile<'b, T>(
        &self,
        key: &str,
        binary: impl FnOnce() -> Result<std::borrow::Cow<'b, [u8]>>,
        compile: impl Fn(&Engine, &[u8]) -> wasmtime::Result<T>,
        deserialize: impl Fn(&Engine, &Path) -> wasmtime::Result<T>,
        serialize: impl Fn(&T) -> wasmtime::Result<Vec<u8>>,
    ) -> Result<T> {
        let engine = &self.inner.engine;
        if let Some((cache, path)) = self
            .inner
            .cache
            .as_ref()
            .and_then(|c| c.lookup(key).map(|p| (c, p)))
        {
            match deserialize(engine, &path) {
                Ok(t) => return Ok(t),
                Err(_) => cache.remove(key),
            }
        }
        let binary = binary()?;
        let compiled = compile(engine, &binary).map_err(|e| {
            Error::InvalidModule(detect::diagnose(&binary).unwrap_or_else(|| InvalidModule {
                message: format!("{e:#}"),
                offset: None,
                section: None,
            }))
        })?;
        if let Some(cache) = &self.inner.cache {
            // A cache that cannot be written only costs speed; the run goes on.
            if let Ok(bytes) = serialize(&compiled) {
                let _ = cache.store(key, &bytes);
            }
        }
        Ok(compiled)
    }

    fn prepare_module(&self, binary: &[u8], sha256: [u8; 32]) -> Result<ProgramInner> {
        let module = self.compile(
            &format!("{}-module", hex(&sha256)),
            || Ok(binary.into()),
            |e, b| Module::new(e, b),
            // SAFETY: this file was written (atomically, never in place) by `Module::serialize`
            // of an engine with the same fingerprint into a directory private to this user that
            // no guest can write to, and its length matches what was written.
            #[allow(unsafe_code)]
            |e, p| unsafe { Module::deserialize_file(e, p) },
            |m| m.serialize(),
        )?;
        let imports: Vec<String> = module
            .imports()
            .map(|i| format!("{}::{}", i.module(), i.name()))
            .collect();
        let exports: Vec<String> = module.exports().map(|e| e.name().to_string()).collect();
        let linker = self.module_linker()?;
        for import in module.imports() {
            if !linker
                .provided
                .contains(&(import.module().to_string(), import.name().to_string()))
            {
                return Err(Error::UnknownImport {
                    module: import.module().to_string(),
                    field: import.name().to_string(),
                });
            }
        }
        match module.get_export("_start") {
            Some(wasmtime::ExternType::Func(f))
                if f.params().len() == 0 && f.results().len() == 0 => {}
            _ => {
                return Err(Error::MissingEntry {
                    what: "module",
                    expected: "_start".into(),
                    found: exports.iter().take(8).cloned().collect(),
                });
            }
        }
        let pre =
            linker
                .linker
                .instantiate_pre(&module)
                .map_err(|e| Error::IncompatibleImport {
                    message: format!("{e:#}"),
                })?;
        Ok(ProgramInner {
            kind: WasmKind::Module,
            sha256,
            size: binary.len() as u64,
            imports,
            exports,
            engine: self.inner.engine.clone(),
            pre: Pre::Module(pre),
        })
    }

    fn compile_component<'b>(
        &self,
        sha256_hex: &str,
        binary: impl FnOnce() -> Result<std::borrow::Cow<'b, [u8]>>,
    ) -> Result<component::Component> {
        self.compile(
            &format!("{sha256_hex}-component"),
            binary,
            |e, b| component::Component::new(e, b),
            // SAFETY: as for modules: written atomically by `serialize` under the same
            // fingerprint into a private directory no guest can write to, length checked.
            #[allow(unsafe_code)]
            |e, p| unsafe { component::Component::deserialize_file(e, p) },
            |c| c.serialize(),
        )
    }

    /// Whether the compiled code of this component (by the SHA-256 of its binary, in hex) is in
    /// the cache, so that loading it will not compile.
    pub fn is_cached_component(&self, sha256_hex: &str) -> bool {
        self.inner
            .cache
            .as_ref()
            .is_some_and(|c| c.contains(&format!("{sha256_hex}-component")))
    }

    /// Links a component against WASI p2.
    fn link_component(
        &self,
        component: &component::Component,
    ) -> Result<component::InstancePre<ComponentState>> {
        let engine = &self.inner.engine;
        let linker = match self.inner.component_linker.get() {
            Some(l) => l,
            None => {
                let mut l = component::Linker::new(engine);
                wasmtime_wasi::p2::add_to_linker_async(&mut l)
                    .map_err(|e| Error::internal("linker", e))?;
                self.inner.component_linker.get_or_init(|| l)
            }
        };
        linker.instantiate_pre(component).map_err(|e| {
            let msg = format!("{e:#}");
            match component_imports(engine, component)
                .into_iter()
                .find(|i| msg.contains(&format!("`{i}`")))
            {
                Some(i) if msg.contains("not found") || msg.contains("no matching") => {
                    Error::UnknownImport {
                        module: i,
                        field: String::new(),
                    }
                }
                _ => Error::IncompatibleImport { message: msg },
            }
        })
    }

    fn prepare_component(&self, binary: &[u8], sha256: [u8; 32]) -> Result<ProgramInner> {
        let component = self.compile_component(&hex(&sha256), || Ok(binary.into()))?;
        let pre = self.link_component(&component)?;
        let imports = component_imports(&self.inner.engine, &component);
        let exports = component_exports(&self.inner.engine, &component);
        let pre = CommandPre::new(pre).map_err(|_| Error::MissingEntry {
            what: "component",
            expected: "wasi:cli/run".into(),
            found: exports.iter().take(8).cloned().collect(),
        })?;
        Ok(ProgramInner {
            kind: WasmKind::Component,
            sha256,
            size: binary.len() as u64,
            imports,
            exports,
            engine: self.inner.engine.clone(),
            pre: Pre::Component(pre),
        })
    }

    /// Reads a guest runtime's binary, checked against the SHA-256 its manifest gives.
    pub(crate) fn read_guest_binary(&self, path: &Path, sha256_hex: &str) -> Result<Vec<u8>> {
        let bytes = read_bounded(path, self.inner.config.max_input_bytes)?;
        let actual = hex(&Sha256::digest(&bytes));
        if actual != sha256_hex {
            return Err(Error::Config(format!(
                "{} has SHA-256 {actual}, but its manifest says {sha256_hex}; reinstall the guest",
                path.display()
            )));
        }
        Ok(bytes)
    }

    /// Loads the core module cached under `key` (compiled once, then from the cache), built by
    /// `build` when it is not cached, and links it against WASI preview 1.
    pub(crate) fn load_module_with(
        &self,
        key: &str,
        build: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<InstancePre<ModuleState>> {
        let module = self.compile(
            &format!("{key}-module"),
            || build().map(Into::into),
            |e, b| Module::new(e, b),
            // SAFETY: as in `prepare_module`.
            #[allow(unsafe_code)]
            |e, p| unsafe { Module::deserialize_file(e, p) },
            |m| m.serialize(),
        )?;
        self.link_module(&module)
    }

    /// Links a core module against WASI preview 1.
    pub(crate) fn link_module(&self, module: &Module) -> Result<InstancePre<ModuleState>> {
        self.module_linker()?
            .linker
            .instantiate_pre(module)
            .map_err(|e| Error::IncompatibleImport {
                message: format!("{e:#}"),
            })
    }

    /// The engine.
    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Whether the compiled code of this core module (by the SHA-256 of its binary, in hex) is
    /// in the cache.
    pub fn is_cached_module(&self, sha256_hex: &str) -> bool {
        self.inner
            .cache
            .as_ref()
            .is_some_and(|c| c.contains(&format!("{sha256_hex}-module")))
    }

    /// Runs a program to completion on the calling thread. Never panics or hangs on account of
    /// the guest: every way a guest can end is a [`Status`].
    pub fn run(&self, program: &Program, request: RunRequest) -> Result<Outcome> {
        block_on(|| self.run_async(program, request))
    }

    /// Runs a program; for callers that are already in a tokio runtime (with time enabled).
    pub async fn run_async(&self, program: &Program, request: RunRequest) -> Result<Outcome> {
        if !Engine::same(&program.inner.engine, &self.inner.engine) {
            return Err(Error::Config(
                "this program was loaded by another sandbox".into(),
            ));
        }
        let mut run = self.begin(program.name(), request)?;
        let limiter = Limiter::new(&run.limits);
        let recorder = run.recorder();
        let started = Instant::now();
        let deadline = run.deadline(started)?;
        let wasi = &mut run.wasi;
        let _ticking = self.inner.ticker.activate(deadline);
        let (end, fuel_left, limiter) = match &program.inner.pre {
            Pre::Module(pre) => {
                let state = ModuleState {
                    wasi: TracedP1 {
                        ctx: wasi.build_p1(),
                        recorder: recorder.clone(),
                        channel: None,
                    },
                    limiter,
                    deadline,
                };
                let mut store = self.new_store(state, &run.limits)?;
                let call = async {
                    let instance = pre.instantiate_async(&mut store).await?;
                    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
                    start.call_async(&mut store, ()).await.map(|()| 0)
                };
                let end = tokio::time::timeout_at(deadline.into(), call).await;
                let fuel = self.fuel_left(&store);
                (end, fuel, store.into_data().limiter)
            }
            Pre::Component(pre) => {
                let mut store = self.component_store(wasi, &run.limits, deadline)?;
                let call = async {
                    let command = pre.instantiate_async(&mut store).await?;
                    let r = command.wasi_cli_run().call_run(&mut store).await?;
                    Ok(if r.is_ok() { 0 } else { 1 })
                };
                let end = traced(&recorder, deadline, call).await;
                let fuel = self.fuel_left(&store);
                (end, fuel, store.into_data().limiter)
            }
        };
        self.finish(
            &run.limits,
            started,
            end,
            fuel_left,
            &limiter,
            &run.stdout,
            &run.stderr,
            &recorder,
        )
    }

    /// Checks a request and builds what every run needs: pipes, the WASI context builder (mounts,
    /// environment, arguments, clocks), the recorder's time source.
    pub(crate) fn begin(&self, program_name: &str, request: RunRequest) -> Result<Begun> {
        let RunRequest {
            limits,
            policy,
            stdout_sink,
            stderr_sink,
            trace,
        } = request;
        limits.validate()?;
        let stdout = CapturePipe::new(Stream::Stdout, limits.max_output_bytes, stdout_sink);
        let stderr = CapturePipe::new(Stream::Stderr, limits.max_output_bytes, stderr_sink);
        let (wasi, time_source) = self.wasi_ctx(&policy, program_name, &stdout, &stderr)?;
        Ok(Begun {
            limits,
            stdout,
            stderr,
            wasi,
            trace: Some(trace),
            time_source,
        })
    }

    /// Directories no run may mount writable, because later sandboxes load what is in them: the
    /// compiled-code caches (this sandbox's, and the default one whether or not this sandbox
    /// uses it) and the places guest runtimes are found.
    fn protected_dirs(&self) -> Vec<(PathBuf, &'static str)> {
        let mut dirs = Vec::new();
        if let Some(cache) = &self.inner.cache {
            dirs.push((cache.root().to_path_buf(), CACHE));
        }
        dirs.extend(crate::cache::default_dir().map(|d| (d, CACHE)));
        for kind in [crate::guest::GuestKind::Python, crate::guest::GuestKind::Js] {
            let what = "a guest runtime's directory";
            if let Some(p) = std::env::var_os(kind.env_var()).filter(|v| !v.is_empty()) {
                dirs.push((PathBuf::from(p), what));
            }
            dirs.extend(crate::guest::user_dir(kind).map(|d| (d, what)));
            dirs.extend(
                crate::guest::system_dirs(kind)
                    .into_iter()
                    .map(|d| (d, what)),
            );
        }
        dirs
    }

    /// The WASI context of a run: what the policy grants, the capture pipes, and the clocks and
    /// randomness (virtual and seeded in deterministic mode, with the trace's time source).
    pub(crate) fn wasi_ctx(
        &self,
        policy: &Policy,
        program_name: &str,
        stdout: &CapturePipe,
        stderr: &CapturePipe,
    ) -> Result<(WasiCtxBuilder, Option<TimeSource>)> {
        if policy.mounts.iter().any(|m| m.writable) {
            for (dir, what) in self.protected_dirs() {
                refuse_writable_over(policy, &dir, what)?;
            }
        }
        let mut wasi = wasi_builder(policy, program_name, stdout, stderr)?;
        let time_source = policy.deterministic.map(|seed| {
            let vt = VirtualTime::default();
            wasi.wall_clock(VirtualWall(vt.clone()))
                .monotonic_clock(VirtualMonotonic(vt.clone()))
                .secure_random(Deterministic::new(random_bytes(seed, 0)))
                .insecure_random(Deterministic::new(random_bytes(seed, 1)))
                .insecure_random_seed(u128::from(seed));
            Arc::new(move || vt.peek_us()) as TimeSource
        });
        Ok((wasi, time_source))
    }

    /// A store for a component instance, with its limits and the run's deadline.
    pub(crate) fn component_store(
        &self,
        wasi: &mut WasiCtxBuilder,
        limits: &Limits,
        deadline: Instant,
    ) -> Result<Store<ComponentState>> {
        let state = ComponentState {
            ctx: wasi.build(),
            table: ResourceTable::new(),
            limiter: Limiter::new(limits),
            deadline,
        };
        self.new_store(state, limits)
    }

    /// Has the epoch advanced at `deadline` (so that the run's epoch callback interrupts it), if
    /// the guard still lives then.
    pub(crate) fn ticking(&self, deadline: Instant) -> crate::ticker::Active<'_> {
        self.inner.ticker.activate(deadline)
    }

    /// Turns how a run (or a call) ended into an [`Outcome`], taking the captured output and the
    /// events recorded so far; or into [`Error::Busy`] if the guest could not be instantiated (or
    /// called) because every slot of the pool was taken, so that nothing of it ran.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn finish(
        &self,
        limits: &Limits,
        started: Instant,
        end: Ended,
        fuel_left: Option<u64>,
        limiter: &Limiter,
        stdout: &CapturePipe,
        stderr: &CapturePipe,
        recorder: &Recorder,
    ) -> Result<Outcome> {
        if let Ok(Err(e)) = &end
            && let Some(full) = e
                .chain()
                .find_map(|c| c.downcast_ref::<wasmtime::PoolConcurrencyLimitError>())
        {
            return Err(Error::Busy(full.to_string()));
        }
        let wall = started.elapsed();
        let status = match end {
            Err(_elapsed) => Status::Timeout {
                limit_ms: millis(limits),
            },
            Ok(Ok(code)) => Status::Exited { code },
            Ok(Err(e)) => classify(&e, limits, limiter, stdout, stderr),
        };
        let fuel_start = limits.fuel.unwrap_or(UNMETERED_FUEL);
        Ok(Outcome {
            status,
            stdout: stdout.take(),
            stderr: stderr.take(),
            resources: Resources {
                wall_time_us: u64::try_from(wall.as_micros()).unwrap_or(u64::MAX),
                fuel_consumed: fuel_left
                    .filter(|_| self.inner.config.fuel_metering)
                    .map(|left| fuel_start.saturating_sub(left)),
                peak_memory_bytes: limiter.peak_memory as u64,
                memory_limit_hit: limiter.memory_refused.is_some(),
            },
            trace: recorder.take(),
        })
    }

    pub(crate) fn new_store<T: RunState>(&self, state: T, limits: &Limits) -> Result<Store<T>> {
        let mut store = Store::new(&self.inner.engine, state);
        store
            .data_mut()
            .handles()
            .set_max_capacity(limits.max_handles as usize);
        store.limiter(|s| s.limiter());
        self.refuel(&mut store, limits)?;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|ctx| {
            Ok(if Instant::now() >= ctx.data().deadline() {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Continue(1)
            })
        });
        Ok(store)
    }

    /// The fuel a store has left, if this sandbox meters fuel. (Asking a store without fuel
    /// metering builds an error, and with `RUST_BACKTRACE` set, a backtrace: ~0.1 ms.)
    pub(crate) fn fuel_left<T>(&self, store: &Store<T>) -> Option<u64> {
        if self.inner.config.fuel_metering {
            store.get_fuel().ok()
        } else {
            None
        }
    }

    /// Gives a store the fuel of one run (or call).
    pub(crate) fn refuel<T>(&self, store: &mut Store<T>, limits: &Limits) -> Result<()> {
        if self.inner.config.fuel_metering {
            store
                .set_fuel(limits.fuel.unwrap_or(UNMETERED_FUEL))
                .map_err(|e| Error::internal("fuel", e))
        } else if limits.fuel.is_some() {
            Err(Error::Config(
                "a fuel limit needs a sandbox built with fuel metering".into(),
            ))
        } else {
            Ok(())
        }
    }
}

/// Fuel given to runs without a fuel limit (fuel is an `i64` inside wasmtime).
const UNMETERED_FUEL: u64 = i64::MAX as u64;

/// How a guest call ended: in time with an exit code or an error, or at the deadline.
pub(crate) type Ended = std::result::Result<wasmtime::Result<i32>, tokio::time::error::Elapsed>;

/// What [`Sandbox::begin`] prepared for a run.
pub(crate) struct Begun {
    pub limits: Limits,
    pub stdout: CapturePipe,
    pub stderr: CapturePipe,
    pub wasi: WasiCtxBuilder,
    trace: Option<TraceConfig>,
    pub time_source: Option<TimeSource>,
}

impl Begun {
    /// The run's recorder (disabled unless the request asked for a trace). Call once.
    pub fn recorder(&mut self) -> Recorder {
        let trace = self.trace.take().unwrap_or_default();
        Recorder::new(trace, self.time_source.clone())
    }

    /// The deadline of a call starting at `started`.
    pub fn deadline(&self, started: Instant) -> Result<Instant> {
        started
            .checked_add(self.limits.timeout)
            .ok_or_else(|| Error::Config("the timeout is too large".into()))
    }
}

/// Runs a component call under the deadline, recording its WASI calls if the recorder is on.
pub(crate) async fn traced<F>(recorder: &Recorder, deadline: Instant, call: F) -> Ended
where
    F: std::future::Future<Output = wasmtime::Result<i32>>,
{
    if recorder.enabled() {
        use tracing::instrument::WithSubscriber;
        let subscriber = crate::trace_p2::P2Subscriber::new(recorder.clone());
        tokio::time::timeout_at(deadline.into(), call.with_subscriber(subscriber)).await
    } else {
        tokio::time::timeout_at(deadline.into(), call).await
    }
}

/// Runs a future to completion on this thread's runtime; from inside a runtime (which must not
/// be blocked), on a helper thread.
pub(crate) fn block_on<R, F, Fut>(make: F) -> Result<R>
where
    R: Send,
    F: FnOnce() -> Fut + Send,
    Fut: std::future::Future<Output = Result<R>>,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return std::thread::scope(|s| {
            s.spawn(|| block_on(make))
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("run thread panicked".into())))
        });
    }
    RUNTIME.with(|rt| match rt {
        Ok(ThreadRuntime(Some(rt))) => rt.block_on(make()),
        Ok(ThreadRuntime(None)) => Err(Error::Internal("the async runtime is shut down".into())),
        Err(e) => Err(Error::Internal(format!(
            "cannot start the async runtime: {e}"
        ))),
    })
}

fn millis(l: &Limits) -> u64 {
    u64::try_from(l.timeout.as_millis()).unwrap_or(u64::MAX)
}

/// The absolute, symlink-free form of a path that may not exist yet: its longest existing
/// ancestor canonicalized, with the rest appended.
fn resolve(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            return rest.iter().rev().fold(c, |acc, part| acc.join(part));
        }
        match (
            existing.file_name().map(|n| n.to_owned()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

/// A guest that could write into the compiled-code cache could plant native code that a later
/// run would load: refuse writable mounts that contain the cache or lie inside it.
/// Refuses a policy that mounts `dir`, or a directory that contains it or is inside it, writable:
/// `what` is what `dir` holds, for the message.
pub(crate) fn refuse_writable_over(policy: &Policy, dir: &Path, what: &str) -> Result<()> {
    let mut writable = policy.mounts.iter().filter(|m| m.writable).peekable();
    if writable.peek().is_none() {
        return Ok(());
    }
    let protected = resolve(dir);
    for m in writable {
        let host = resolve(&m.host);
        if protected.starts_with(&host) || host.starts_with(&protected) {
            return Err(Error::Config(format!(
                "refusing to mount {} writable: it contains (or is inside) {what} {}; mount it \
                 read-only{}",
                m.host.display(),
                protected.display(),
                if what == CACHE {
                    ", or set AIRLOCK_CACHE_DIR elsewhere"
                } else {
                    ""
                }
            )));
        }
    }
    Ok(())
}

/// What [`Sandbox::protected_dirs`] calls a compiled-code cache.
const CACHE: &str = "airlock's compiled-code cache";

fn wasi_builder(
    policy: &Policy,
    program_name: &str,
    stdout: &CapturePipe,
    stderr: &CapturePipe,
) -> Result<WasiCtxBuilder> {
    policy.validate()?;
    let mut b = WasiCtxBuilder::new();
    b.stdout(stdout.clone()).stderr(stderr.clone());
    match &policy.stdin {
        Stdin::Empty => {}
        Stdin::Bytes(bytes) => {
            b.stdin(wasmtime_wasi::p2::pipe::MemoryInputPipe::new(bytes.clone()));
        }
        Stdin::Inherit => {
            b.inherit_stdin();
        }
    }
    let argv0 = policy.program_name.as_deref().unwrap_or(program_name);
    b.arg(argv0);
    for a in &policy.args {
        b.arg(a);
    }
    for (k, v) in &policy.env {
        b.env(k, v);
    }
    for m in &policy.mounts {
        let perms = if m.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        b.preopened_dir(&m.host, &m.guest, perms)
            .map_err(|e| Error::Config(format!("cannot mount {}: {e:#}", m.host.display())))?;
    }
    // File operations go to tokio's blocking pool (a thread hop, ~10 us per call) rather than
    // running inline: an inline `open` of a FIFO or device in a mount would block the run's
    // thread where no timeout can reach it, and with this setting on wasmtime-wasi serves a
    // lone relative `poll_oneoff` with an uninterruptible `std::thread::sleep`.
    b.allow_blocking_current_thread(false);
    // No network, ever: no sockets, no name lookups (all addresses are denied as well).
    b.allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false);
    Ok(b)
}

fn classify(
    e: &wasmtime::Error,
    limits: &Limits,
    limiter: &Limiter,
    stdout: &CapturePipe,
    stderr: &CapturePipe,
) -> Status {
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return Status::Exited { code: exit.0 };
    }
    if let Some(o) = e.downcast_ref::<OutputLimitExceeded>() {
        return Status::OutputLimit {
            stream: o.stream,
            limit_bytes: o.limit,
        };
    }
    for (pipe, stream) in [(stdout, Stream::Stdout), (stderr, Stream::Stderr)] {
        if pipe.overflowed() {
            return Status::OutputLimit {
                stream,
                limit_bytes: limits.max_output_bytes,
            };
        }
    }
    let trap = e.downcast_ref::<Trap>().copied();
    match trap {
        Some(Trap::Interrupt) => {
            return Status::Timeout {
                limit_ms: millis(limits),
            };
        }
        Some(Trap::OutOfFuel) => {
            return Status::FuelExhausted {
                limit: limits.fuel.unwrap_or(UNMETERED_FUEL),
            };
        }
        _ => {}
    }
    if let Some(ResourceTableError::Full) = e.downcast_ref::<ResourceTableError>() {
        return Status::ResourceLimit {
            resource: LimitedResource::Handles,
            limit: u64::from(limits.max_handles),
            detail: format!(
                "the guest asked for more than {} host handles at once (open files, \
                 directories, streams)",
                limits.max_handles
            ),
        };
    }
    let then = || match trap {
        Some(t) => format!("; then the guest trapped ({})", trap_code(t)),
        None => String::new(),
    };
    if let Some(detail) = &limiter.memory_refused {
        return Status::MemoryLimit {
            limit_bytes: limits.memory_bytes,
            detail: format!("{detail}{}", then()),
        };
    }
    if let Some(detail) = &limiter.table_refused {
        return Status::ResourceLimit {
            resource: LimitedResource::TableElements,
            limit: limits.table_elements,
            detail: format!("{detail}{}", then()),
        };
    }
    let backtrace = e
        .downcast_ref::<WasmBacktrace>()
        .map(|bt| {
            bt.frames()
                .iter()
                .take(MAX_BACKTRACE)
                .map(|f| Frame {
                    func_index: f.func_index(),
                    func_name: f.func_name().map(str::to_string),
                    module_name: f.module().name().map(str::to_string),
                    offset: f.module_offset(),
                })
                .collect()
        })
        .unwrap_or_default();
    match trap {
        Some(t) => Status::Trap {
            code: trap_code(t),
            message: t.to_string(),
            backtrace,
        },
        None => Status::Trap {
            code: "host".into(),
            message: e.root_cause().to_string(),
            backtrace,
        },
    }
}

fn trap_code(t: Trap) -> String {
    let s = match t {
        Trap::StackOverflow => "stack_overflow",
        Trap::MemoryOutOfBounds => "memory_out_of_bounds",
        Trap::HeapMisaligned => "heap_misaligned",
        Trap::TableOutOfBounds => "table_out_of_bounds",
        Trap::IndirectCallToNull => "indirect_call_to_null",
        Trap::BadSignature => "bad_signature",
        Trap::IntegerOverflow => "integer_overflow",
        Trap::IntegerDivisionByZero => "integer_division_by_zero",
        Trap::BadConversionToInteger => "bad_conversion_to_integer",
        Trap::UnreachableCodeReached => "unreachable",
        Trap::Interrupt => "interrupt",
        Trap::OutOfFuel => "out_of_fuel",
        Trap::NullReference => "null_reference",
        Trap::ArrayOutOfBounds => "array_out_of_bounds",
        Trap::AllocationTooLarge => "allocation_too_large",
        Trap::CastFailure => "cast_failure",
        Trap::CannotEnterComponent => "cannot_enter_component",
        _ => return format!("{t:?}").to_lowercase(),
    };
    s.to_string()
}

fn engine_config(c: &SandboxConfig) -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.consume_fuel(c.fuel_metering);
    config.wasm_backtrace_max_frames(std::num::NonZeroUsize::new(MAX_BACKTRACE));
    config.wasm_component_model(true);
    // Calls between a component's core modules (CPython's interpreter, its C library, the WASI
    // adapter) go through imports, which Cranelift does not inline by default. Inlining the small
    // ones made a fresh Python run 12-18% faster (the two settings alternated in one process),
    // for ~4 s more compiling of the guest, once per machine. Inlining within a module as well
    // measured no gain on QuickJS and doubled the Python guest's code, so it stays off.
    config.compiler_inlining(wasmtime::Inlining::InterModule);
    let n = c.max_concurrent_runs.max(1);
    let mut pool = PoolingAllocationConfig::new();
    // Enough slots for every run in flight to use its whole per-run allowance, so that hostile
    // runs cannot exhaust the pool for the others.
    let per_run = MAX_PER_RUN;
    pool.total_core_instances(n * per_run)
        .total_component_instances(n)
        .total_memories(n * per_run)
        .total_tables(n * per_run)
        // A module may define as many memories and tables as a run may have (the run's limiter
        // counts them); the pool's own default of one each refused valid modules as invalid.
        .max_memories_per_module(per_run)
        .max_tables_per_module(per_run)
        .total_stacks(n)
        .max_memory_size(MAX_GUEST_MEMORY as usize)
        .table_elements(MAX_TABLE_ELEMENTS as usize)
        .linear_memory_keep_resident(c.memory_keep_resident)
        .table_keep_resident(KEEP_RESIDENT);
    // Where the kernel has it (Linux 6.7+), a finished run's memory is reset by asking the
    // kernel which pages the run wrote (`PAGEMAP_SCAN`) and restoring only those in place,
    // within `linear_memory_keep_resident`; without it the whole kept range is copied.
    pool.pagemap_scan(wasmtime::Enabled::Auto);
    config.allocation_strategy(pool);
    config
}

/// A component's import names (interfaces).
fn component_imports(engine: &Engine, component: &component::Component) -> Vec<String> {
    let ty = component.component_type();
    ty.imports(engine).map(|(n, _)| n.to_string()).collect()
}

/// A component's export names.
fn component_exports(engine: &Engine, component: &component::Component) -> Vec<String> {
    let ty = component.component_type();
    ty.exports(engine).map(|(n, _)| n.to_string()).collect()
}

fn fingerprint(engine: &Engine) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    "wasmtime-48".hash(&mut h);
    env!("CARGO_PKG_VERSION").hash(&mut h);
    engine.precompile_compatibility_hash().hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Reads an input file of at most `limit` bytes. A larger file is refused from its metadata
/// before being read ([`Error::TooLarge`]); special files (pipes, `/dev/zero`) that report no
/// length are read up to one byte past the limit.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    // Opened without waiting for a writer: opening a FIFO nobody writes to would block for
    // good. Reads wait again as usual (a pipe with a writer, `<(cmd)`, is read whole; one
    // without is empty).
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        let nonblock = rustix::fs::OFlags::NONBLOCK;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nonblock.bits() as i32)
            .open(path)
            .map_err(io)?
    };
    rustix::fs::fcntl_setfl(&file, rustix::fs::OFlags::empty())
        .map_err(|e| io(std::io::Error::from(e)))?;
    let md = file.metadata().map_err(io)?;
    if md.is_dir() {
        return Err(io(std::io::Error::other("is a directory")));
    }
    if md.len() > limit {
        return Err(Error::TooLarge {
            size: md.len(),
            limit,
        });
    }
    read_stream_bounded(file, path, limit)
}

/// Reads a stream of at most `limit` bytes (`name` labels read errors); more is
/// [`Error::TooLarge`].
pub fn read_stream_bounded(r: impl std::io::Read, name: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    r.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            path: name.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

//! JavaScript in the sandbox: QuickJS-NG (a WASI preview 1 reactor), a fresh instance per run,
//! plain or inside an emulated environment (browser, Windows Script Host, Node).
//!
//! Every run starts from a snapshot of QuickJS with the driver and the environment set up (built
//! once per machine), or instantiates the QuickJS module and starts `qjs --std -m -e BOOTSTRAP
//! airlock TOKEN FD DRIVER DRIVER_BYTECODE SOURCE FILENAME ENV_NAME ENV_PRELUDE ENV_BYTECODE SEED
//! PARTS PAGE ARGS...`. The driver (`guests/js/driver.js`) takes what it needs from QuickJS's `std` module
//! and removes the globals that name it, installs the environment's prelude
//! (`guests/js/env/*.js`), runs the script as a classic script, then what it left waiting:
//! promise jobs, timers (on a virtual clock when emulating), and the environment's later phases
//! (page events, user activity).
//!
//! An environment's emulated API calls reach the host through a private channel (see
//! [`emulation`](crate::emulation)); they join the run's trace as events and give the
//! [`Indicators`](crate::emulation::Indicators).
//!
//! ```no_run
//! use airlock::js::{Environment, Js, Script};
//! use airlock::{RunRequest, Sandbox, SandboxConfig, Status};
//!
//! # fn main() -> Result<(), airlock::Error> {
//! let sandbox = Sandbox::new(SandboxConfig::default())?;
//! let js = Js::load(&sandbox, &airlock::guest::find(airlock::guest::GuestKind::Js, None)?)?;
//! let run = js.run(&Script::inline("console.log(6 * 7)"), &Environment::Plain, RunRequest::default())?;
//! assert_eq!(run.outcome.status, Status::Exited { code: 0 });
//! assert_eq!(run.outcome.stdout.bytes, b"42\n");
//!
//! let script = Script::file("dropper.js", "new ActiveXObject('WScript.Shell').Run('calc.exe')");
//! let run = js.run(&script, &Environment::Wsh, RunRequest::default())?;
//! let emulation = run.emulation.expect("an environment reports what it saw");
//! assert_eq!(emulation.indicators.commands, vec!["calc.exe"]);
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use wasmtime::InstancePre;

use crate::emulation::{CHANNEL_FD, Channel, Emulation};
use crate::error::{Error, Result};
use crate::guest::{Guest, GuestKind};
use crate::js_modules::HostModuleNames;
use crate::limiter::Limiter;
use crate::outcome::Outcome;
use crate::sandbox::{ModuleState, RunRequest, Sandbox, block_on};
use crate::trace_p1::TracedP1;

const DRIVER: &str = include_str!("../../../guests/js/driver.js");

/// The module QuickJS runs (`-e`): it takes QuickJS's host modules and the arguments off the
/// global object and runs the driver, loaded by `load` (also used for the environment's
/// prelude): from bytecode when an earlier run compiled it and it loads, else compiled from the
/// source (always given), without source text or debug information, and sent to the host over
/// the channel for the next runs. The host takes such code only before the driver says the
/// script has started.
const BOOTSTRAP: &str = r#"const s = globalThis.std, o = globalThis.os, b = globalThis.bjson, a = globalThis.scriptArgs;
delete globalThis.std; delete globalThis.os; delete globalThis.bjson; delete globalThis.scriptArgs;
const ch = s.fdopen(a[2] | 0, "w");
function run(bytes) {
  return s.evalScript(b.read(bytes.buffer, 0, bytes.byteLength, b.READ_OBJ_BYTECODE), { eval_function: true });
}
function load(src, bc, kind) {
  if (bc !== "") {
    try { return run(Uint8Array.fromBase64(bc)); } catch (e) {}
  }
  const code = s.evalScript('"use strict";\n(' + src + "\n)", { compile_only: true });
  const bytes = new Uint8Array(b.write(code, b.WRITE_OBJ_BYTECODE | b.WRITE_OBJ_STRIP_SOURCE | b.WRITE_OBJ_STRIP_DEBUG));
  ch.puts("\n" + a[1] + "	" + JSON.stringify({ c: "internal", a: "airlock.bytecode", i: { kind: kind, bytecode: bytes.toBase64() } }) + "\n");
  ch.flush();
  return run(bytes);
}
let prepare;
try { prepare = load(a[3], a[4], "driver"); } catch (e) { s.err.puts("airlock: the driver failed to load: " + e + "\n"); s.exit(70); }
await prepare(s, o, b, load, [a[7], a[8], a[9], "run"])([a[1], a[2], a[5], a[6], a[10], a[11], a[12]].concat(a.slice(13)));
"#;
const BROWSER: &str = include_str!("../../../guests/js/env/browser.js");
const WSH: &str = include_str!("../../../guests/js/env/wsh.js");
const NODE: &str = include_str!("../../../guests/js/env/node.js");
/// The HTML Application environment's prelude: the browser's and WSH's, put together by
/// `guests/js/env/hta.js`.
static HTA: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    include_str!("../../../guests/js/env/hta.js")
        .replace("/*BROWSER*/", BROWSER)
        .replace("/*WSH*/", WSH)
});

/// Where a script runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// Plain JavaScript (QuickJS with `console`, timers and `scriptArgs`): no emulation.
    Plain,
    /// A browser page (`https://page.test/index.html`): `window`, `document`, network APIs,
    /// then page load and synthetic user activity.
    Browser,
    /// Windows Script Host (JScript): `WScript`, `ActiveXObject` and the usual ProgIDs.
    Wsh,
    /// Node.js: `require` of the system modules, `process`, `Buffer`.
    Node,
    /// An HTML Application (`.hta`) under mshta.exe: a browser window (`window`, `document`,
    /// timers) with `ActiveXObject`/`GetObject` as under WSH, and no `WScript`.
    Hta,
    /// An environment given by its prelude: JavaScript source evaluating to
    /// `function (A) {...}` (see `guests/js/env/` for the API `A` and examples).
    Custom {
        /// Its name in reports.
        name: String,
        /// The prelude's source.
        prelude: String,
    },
}

impl Environment {
    /// The built-in environments.
    pub const BUILT_IN: [Environment; 5] = [
        Environment::Plain,
        Environment::Browser,
        Environment::Wsh,
        Environment::Node,
        Environment::Hta,
    ];

    /// The environment called `name`: `plain` (or `none`), `browser`, `wsh`, `node`, `hta`.
    pub fn named(name: &str) -> Option<Environment> {
        Some(match name {
            "plain" | "none" => Environment::Plain,
            "browser" => Environment::Browser,
            "wsh" => Environment::Wsh,
            "node" => Environment::Node,
            "hta" => Environment::Hta,
            _ => return None,
        })
    }

    /// Its name: `plain`, `browser`, `wsh`, `node`, `hta` or the custom name.
    pub fn name(&self) -> &str {
        match self {
            Environment::Plain => "plain",
            Environment::Browser => "browser",
            Environment::Wsh => "wsh",
            Environment::Node => "node",
            Environment::Hta => "hta",
            Environment::Custom { name, .. } => name,
        }
    }

    fn prelude(&self) -> Option<&str> {
        match self {
            Environment::Plain => None,
            Environment::Browser => Some(BROWSER),
            Environment::Wsh => Some(WSH),
            Environment::Node => Some(NODE),
            Environment::Hta => Some(&HTA),
            Environment::Custom { prelude, .. } => Some(prelude),
        }
    }
}

/// JavaScript source to run, with the name it has in stack traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The source as bytes (see [`decode_source`] for how they become text).
    pub code: Vec<u8>,
    /// The file name shown in stack traces and given to the script (`<cmdline>` for inline code).
    pub filename: String,
    /// When `code` holds several scripts (a page's `<script>` blocks), their lengths in UTF-16
    /// units: each then runs on its own, in order, and one that fails to parse or throws does
    /// not stop the next, as in a browser. Empty: `code` is one script.
    pub parts: Vec<usize>,
    /// The page the scripts come from (an HTML page or HTA's markup), whose elements the
    /// browser and HTA environments build into their DOM before the scripts run, with its inline
    /// event handlers (`onclick="..."`, `<body onload="...">`); empty for a script file.
    pub page: String,
}

impl Script {
    /// Code given inline, as with `airlock js -e CODE`.
    pub fn inline(code: impl Into<Vec<u8>>) -> Script {
        Script {
            code: code.into(),
            filename: "<cmdline>".into(),
            parts: Vec::new(),
            page: String::new(),
        }
    }

    /// Code read from standard input.
    pub fn stdin(code: impl Into<Vec<u8>>) -> Script {
        Script {
            code: code.into(),
            filename: "<stdin>".into(),
            parts: Vec::new(),
            page: String::new(),
        }
    }

    /// A script file's contents; `name` is how it is called.
    pub fn file(name: impl Into<String>, code: impl Into<Vec<u8>>) -> Script {
        Script {
            code: code.into(),
            filename: name.into(),
            parts: Vec::new(),
            page: String::new(),
        }
    }

    /// Several scripts that run in turn in one environment, each on its own (a page's blocks).
    pub fn blocks(name: impl Into<String>, blocks: &[String]) -> Script {
        Script {
            code: blocks.concat().into_bytes(),
            filename: name.into(),
            parts: blocks.iter().map(|b| b.encode_utf16().count()).collect(),
            page: String::new(),
        }
    }

    /// The same scripts, from the page whose markup is `page` (see [`Script::page`]).
    pub fn in_page(mut self, page: impl Into<String>) -> Script {
        self.page = page.into();
        self
    }
}

/// Turns a script's bytes into text the way a host would: a UTF-8 or UTF-16 byte-order mark
/// decides; without one, valid UTF-8 is UTF-8 and anything else is read as Windows-1252's
/// Latin-1 subset (every byte one character), which is what WSH does with an ANSI file. NUL
/// characters become U+FFFD (QuickJS takes its source as a C string). Returns the text and a
/// note when the bytes were not plain UTF-8.
pub fn decode_source(bytes: &[u8]) -> (Cow<'_, str>, Option<String>) {
    let (mut text, mut note): (Cow<'_, str>, _) =
        if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
            (String::from_utf8_lossy(rest), None)
        } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            (
                String::from_utf16_lossy(&units).into(),
                Some("decoded as UTF-16LE (byte-order mark)".to_string()),
            )
        } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            (
                String::from_utf16_lossy(&units).into(),
                Some("decoded as UTF-16BE (byte-order mark)".to_string()),
            )
        } else {
            match std::str::from_utf8(bytes) {
                Ok(s) => (Cow::Borrowed(s), None),
                Err(_) => (
                    bytes
                        .iter()
                        .map(|&b| char::from(b))
                        .collect::<String>()
                        .into(),
                    Some("not UTF-8: read as Latin-1, one character per byte".to_string()),
                ),
            }
        };
    if text.contains('\0') {
        text = text.replace('\0', "\u{FFFD}").into();
        let n = "NUL characters replaced by U+FFFD".to_string();
        note = Some(match note {
            Some(prev) => format!("{prev}; {n}"),
            None => n,
        });
    }
    (text, note)
}

/// How a JavaScript run went.
#[derive(Debug, Clone)]
pub struct JsRun {
    /// The outcome, as for any guest (stdout, stderr, status, resources, trace).
    pub outcome: Outcome,
    /// What the emulated environment saw; `None` for plain JavaScript.
    pub emulation: Option<Emulation>,
}

struct Shared {
    sandbox: Sandbox,
    pre: InstancePre<ModuleState>,
    guest: Guest,
    /// The names QuickJS's host modules have in this sandbox's build of it.
    names: HostModuleNames,
    /// What the build is keyed by: the guest's SHA-256 and the names.
    variant: String,
    /// The driver and environment preludes compiled to QuickJS bytecode (base64), by [`code_key`].
    bytecode: Mutex<HashMap<String, Arc<str>>>,
    /// The environments' pre-initialized modules, by name (`None`: it could not be built; runs
    /// take the ordinary path).
    snapshots: Mutex<HashMap<String, Option<InstancePre<ModuleState>>>>,
}

/// The JavaScript runtime, loaded into a [`Sandbox`]. Cheap to clone, `Send + Sync`: every
/// [`run`](Js::run) gets a fresh QuickJS instance.
#[derive(Clone)]
pub struct Js {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Js {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Js")
            .field("guest", &self.shared.guest.dir)
            .field("runtime", &self.shared.guest.manifest.runtime_version)
            .finish()
    }
}

impl Js {
    /// Loads the guest into the sandbox: compiles it the first time (about a second), and later
    /// maps its compiled code from the cache.
    pub fn load(sandbox: &Sandbox, guest: &Guest) -> Result<Js> {
        if guest.manifest.guest != GuestKind::Js {
            return Err(Error::Config(format!(
                "{} is not a JavaScript guest",
                guest.dir.display()
            )));
        }
        let (names, variant) = host_module_names(sandbox, guest);
        let pre = sandbox.load_module_with(&variant, || quickjs_binary(sandbox, guest, &names))?;
        Ok(Js {
            shared: Arc::new(Shared {
                sandbox: sandbox.clone(),
                pre,
                guest: guest.clone(),
                names,
                variant,
                bytecode: Mutex::new(HashMap::new()),
                snapshots: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Whether the guest's compiled code is in the sandbox's cache (so loading will not compile).
    pub fn is_compiled(sandbox: &Sandbox, guest: &Guest) -> bool {
        sandbox.is_cached_module(&host_module_names(sandbox, guest).1)
    }

    /// Builds the pre-initialized module of `env` (about a second, once per machine; then from
    /// the cache), so that its first run is as fast as the next ones. Returns whether `env` has
    /// one: the built-in environments do, in a sandbox with a compiled-code cache; a custom one
    /// is set up in every run.
    pub fn pre_initialize(&self, env: &Environment) -> bool {
        self.snapshot(env).is_some()
    }

    /// The guest this runtime was loaded from.
    pub fn guest(&self) -> &Guest {
        &self.shared.guest
    }

    /// Runs a script in a fresh instance. The script's arguments are `request.policy.args`.
    pub fn run(&self, script: &Script, env: &Environment, request: RunRequest) -> Result<JsRun> {
        block_on(|| self.run_async(script, env, request))
    }

    /// [`run`](Js::run), for callers already in a tokio runtime (with time enabled).
    pub async fn run_async(
        &self,
        script: &Script,
        env: &Environment,
        request: RunRequest,
    ) -> Result<JsRun> {
        let sandbox = &self.shared.sandbox;
        let args = request.policy.args.clone();
        // A snapshot's C library read its environment and preopened directories when it was
        // built (none): a run that grants either starts QuickJS afresh.
        let snapshot = if request.policy.env.is_empty() && request.policy.mounts.is_empty() {
            self.snapshot(env)
        } else {
            None
        };
        // A snapshot's `Math.random` is reseeded per run: from the policy's seed when runs are
        // deterministic, else from the OS.
        let seed = match request.policy.deterministic {
            Some(seed) => format!("{seed:016x}{:016x}", !seed),
            None => token(),
        };
        crate::sandbox::refuse_writable_over(
            &request.policy,
            &self.shared.guest.dir,
            "a guest runtime's directory",
        )?;
        let mut run = sandbox.begin("qjs", request)?;
        let recorder = run.recorder();
        let (source, note) = decode_source(&script.code);
        // Only the environments with a DOM build the page.
        let page = match env {
            Environment::Browser | Environment::Hta => script.page.replace('\0', "\u{FFFD}"),
            _ => String::new(),
        };
        // The blocks, if their lengths still add up once decoded (else one script).
        let parts = if script.parts.len() > 1
            && script.parts.iter().sum::<usize>() == source.encode_utf16().count()
        {
            let lengths: Vec<String> = script.parts.iter().map(|n| n.to_string()).collect();
            lengths.join(",")
        } else {
            String::new()
        };
        let token = token();
        let prelude = env.prelude().unwrap_or_default();
        // The cache keys of the driver's and prelude's bytecode (hashing ~100 KB of source): only
        // a run without snapshot loads them.
        let keys = snapshot.is_none().then(|| {
            (
                code_key(&self.shared.guest, DRIVER),
                code_key(&self.shared.guest, prelude),
            )
        });
        let mut channel = Channel::new(token.clone(), env.name().to_string(), None);
        if let Some(n) = note {
            channel.emulation.notes.push(n);
        }
        let filename = script.filename.replace('\0', "\u{FFFD}");
        let args: Vec<String> = args.iter().map(|a| a.replace('\0', "\u{FFFD}")).collect();
        // The source is borrowed from the script when it is UTF-8 already: a large script is
        // copied once, into the guest.
        // The driver and prelude as bytecode compiled by an earlier run (the ordinary path).
        let (driver_code, env_code) = match (&keys, prelude.is_empty()) {
            (None, _) => (None, None),
            (Some((driver_key, _)), true) => (self.bytecode(driver_key), None),
            (Some((driver_key, env_key)), false) => {
                (self.bytecode(driver_key), self.bytecode(env_key))
            }
        };
        let argv: Vec<Cow<'_, str>> = match &snapshot {
            // The run's own data, for the snapshot's entry point.
            Some(_) => [
                token.as_str().into(),
                CHANNEL_FD.to_string().into(),
                source,
                filename.into(),
                seed.into(),
                parts.into(),
                page.as_str().into(),
            ]
            .into_iter()
            .chain(args.into_iter().map(Cow::from))
            .collect(),
            None => [
                "qjs".into(),
                "--std".into(),
                "-m".into(),
                "-e".into(),
                BOOTSTRAP.into(),
                "airlock".into(),
                token.as_str().into(),
                CHANNEL_FD.to_string().into(),
                // The source goes with the bytecode: a cached entry that does not load is
                // compiled again (and replaced) rather than failing every run.
                DRIVER.into(),
                driver_code.as_deref().unwrap_or_default().into(),
                source,
                filename.into(),
                match env {
                    Environment::Plain => "".into(),
                    other => other.name().replace('\0', "\u{FFFD}").into(),
                },
                prelude.replace('\0', "\u{FFFD}").into(),
                env_code.as_deref().unwrap_or_default().into(),
                seed.into(),
                parts.into(),
                page.as_str().into(),
            ]
            .into_iter()
            .chain(args.into_iter().map(Cow::from))
            .collect(),
        };

        let started = Instant::now();
        let deadline = run.deadline(started)?;
        let _ticking = sandbox.ticking(deadline);
        let state = ModuleState {
            wasi: TracedP1 {
                ctx: run.wasi.build_p1(),
                recorder: recorder.clone(),
                channel: Some(Box::new(channel)),
            },
            limiter: Limiter::new(&run.limits),
            deadline,
        };
        let mut store = sandbox.new_store(state, &run.limits)?;
        let pre = &self.shared.pre;
        let call = async {
            let argv: Vec<&str> = argv.iter().map(|a| a.as_ref()).collect();
            if let Some(snapshot) = &snapshot {
                return crate::js_snapshot::call(&mut store, snapshot, &argv).await;
            }
            let instance = pre.instantiate_async(&mut store).await?;
            instance
                .get_typed_func::<(), ()>(&mut store, "_initialize")?
                .call_async(&mut store, ())
                .await?;
            let r = start_qjs(&mut store, &instance, &argv).await?;
            Ok(if r == 0 { 0 } else { 1 })
        };
        let end = tokio::time::timeout_at(deadline.into(), call).await;
        let fuel_left = sandbox.fuel_left(&store);
        let state = store.into_data();
        let (emulation, compiled) = match state.wasi.channel.map(|c| c.finish()) {
            Some((e, b)) => (Some(e), b),
            None => (None, Vec::new()),
        };
        if let Some((driver_key, env_key)) = &keys {
            for (kind, b64) in compiled {
                match kind.as_str() {
                    "driver" => self.keep_bytecode(driver_key.clone(), b64),
                    "env" => self.keep_bytecode(env_key.clone(), b64),
                    _ => {}
                }
            }
        }
        let outcome = sandbox.finish(
            &run.limits,
            started,
            end,
            fuel_left,
            &state.limiter,
            &run.stdout,
            &run.stderr,
            &recorder,
        )?;
        Ok(JsRun {
            outcome,
            emulation: emulation.filter(|_| *env != Environment::Plain),
        })
    }
}

/// A guest's allocator and memory, to pass data into an instance.
pub(crate) struct GuestHeap {
    malloc: wasmtime::TypedFunc<u32, u32>,
    memory: wasmtime::Memory,
}

impl GuestHeap {
    /// The heap of `instance`, whose allocator is the export `malloc`.
    pub(crate) fn of(
        store: &mut wasmtime::Store<ModuleState>,
        instance: &wasmtime::Instance,
        malloc: &str,
    ) -> wasmtime::Result<GuestHeap> {
        Ok(GuestHeap {
            malloc: instance.get_typed_func::<u32, u32>(&mut *store, malloc)?,
            memory: instance
                .get_memory(&mut *store, "memory")
                .ok_or_else(|| wasmtime::format_err!("the guest exports no memory"))?,
        })
    }

    /// Copies `parts`, one after the other, into a fresh allocation; returns its address.
    pub(crate) async fn put(
        &self,
        store: &mut wasmtime::Store<ModuleState>,
        parts: &[&[u8]],
    ) -> wasmtime::Result<u32> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let p = self
            .malloc
            .call_async(&mut *store, u32::try_from(len.max(1))?)
            .await?;
        if p == 0 {
            wasmtime::bail!("out of memory passing the run's data to the guest");
        }
        let mut at = p as usize;
        for part in parts {
            self.memory.write(&mut *store, at, part)?;
            at += part.len();
        }
        Ok(p)
    }
}

/// Passes `argv` to a fresh QuickJS instance (`_initialize` done) and runs `qjs_init_argv`: QuickJS's
/// `main`, which evaluates the `-e` code and runs the event loop. Returns its status.
pub(crate) async fn start_qjs(
    store: &mut wasmtime::Store<ModuleState>,
    instance: &wasmtime::Instance,
    argv: &[&str],
) -> wasmtime::Result<i32> {
    let heap = GuestHeap::of(store, instance, "malloc")?;
    let mut table = Vec::with_capacity(4 * (argv.len() + 1));
    for a in argv {
        let p = heap.put(store, &[a.as_bytes(), &[0]]).await?;
        table.extend_from_slice(&p.to_le_bytes());
    }
    table.extend_from_slice(&[0; 4]);
    let table = heap.put(store, &[&table]).await?;
    instance
        .get_typed_func::<(i32, u32), i32>(&mut *store, "qjs_init_argv")?
        .call_async(&mut *store, (i32::try_from(argv.len())?, table))
        .await
}

/// The cache key of compiled code (the driver or a prelude): it depends on the source and the
/// QuickJS build.
fn code_key(guest: &Guest, source: &str) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(guest.manifest.component_sha256.as_bytes());
    // How it is compiled (the flags) is in the bootstrap.
    h.update(BOOTSTRAP.as_bytes());
    h.update(source.as_bytes());
    format!("{}-jsenv", crate::sandbox::hex(&h.finalize()))
}

impl Js {
    /// The pre-initialized module of `env`, built (about a second) and cached on first use;
    /// `None` for environments that are set up per run, or if it cannot be built.
    ///
    /// The built-in environments are pre-initialized (their preludes leave what depends on the
    /// run to `A.atStart`); a custom prelude may read the run's data as it sets up, so it is set
    /// up in every run.
    fn snapshot(&self, env: &Environment) -> Option<InstancePre<ModuleState>> {
        // Without a disk cache, every process would build its snapshots (~1.3 s each): more than
        // they save.
        if matches!(env, Environment::Custom { .. }) || self.shared.sandbox.cache().is_none() {
            return None;
        }
        let name = env.name();
        let mut map = crate::lock(&self.shared.snapshots);
        if let Some(known) = map.get(name) {
            return known.clone();
        }
        let guest = &self.shared.guest;
        let sandbox = &self.shared.sandbox;
        let prelude = env.prelude().unwrap_or_default();
        // The driver's name for plain JavaScript is "" (no emulation).
        let env_name = if *env == Environment::Plain { "" } else { name };
        let key = crate::js_snapshot::key(&self.shared.variant, DRIVER, env_name, prelude);
        let built = sandbox.load_module_with(&key, || {
            let base = quickjs_binary(sandbox, guest, &self.shared.names)?;
            crate::js_snapshot::build(sandbox, &base, DRIVER, env_name, prelude)
        });
        let pre = match built {
            Ok(pre) => Some(pre),
            Err(e) => {
                tracing::warn!("the {name} environment is set up in every run: {e}");
                None
            }
        };
        map.insert(name.to_string(), pre.clone());
        pre
    }

    /// The compiled prelude for `key`: from memory, else from the disk cache.
    fn bytecode(&self, key: &str) -> Option<Arc<str>> {
        let mut map = crate::lock(&self.shared.bytecode);
        if let Some(b) = map.get(key) {
            return Some(b.clone());
        }
        let cache = self.shared.sandbox.cache()?;
        let path = cache.lookup(key)?;
        let text: Arc<str> = std::fs::read_to_string(path).ok()?.into();
        map.insert(key.to_string(), text.clone());
        Some(text)
    }

    /// Keeps a prelude's bytecode sent by the driver, for the next runs (and processes).
    fn keep_bytecode(&self, key: String, b64: String) {
        if let Some(cache) = self.shared.sandbox.cache() {
            // A cache that cannot be written only costs speed.
            let _ = cache.store(&key, b64.as_bytes());
        }
        crate::lock(&self.shared.bytecode).insert(key, b64.into());
    }
}

/// The names of QuickJS's host modules in `sandbox`'s build of the guest, and that build's key.
fn host_module_names(sandbox: &Sandbox, guest: &Guest) -> (HostModuleNames, String) {
    let secret = crate::js_modules::secret(sandbox.cache());
    let names = HostModuleNames::from_secret(&secret);
    let variant = format!(
        "{}-{}",
        guest.manifest.component_sha256,
        names.fingerprint()
    );
    (names, variant)
}

/// The guest's QuickJS, checked against its manifest, with its host modules renamed.
fn quickjs_binary(sandbox: &Sandbox, guest: &Guest, names: &HostModuleNames) -> Result<Vec<u8>> {
    let bytes =
        sandbox.read_guest_binary(&guest.component_path(), &guest.manifest.component_sha256)?;
    names.apply(bytes)
}

/// A fresh unguessable value: 128 bits from the OS (`getrandom`), as 32 hex digits.
pub(crate) fn token() -> String {
    let mut bytes = [0u8; 16];
    let mut filled = 0;
    while filled < bytes.len() {
        match rustix::rand::getrandom(&mut bytes[filled..], rustix::rand::GetRandomFlags::empty()) {
            Ok(n) => filled += n,
            Err(rustix::io::Errno::INTR) => {}
            // No getrandom (a very old kernel): the OS's random hash keys, as before.
            Err(_) => {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_usize(filled);
                let v = h.finish().to_le_bytes();
                let n = v.len().min(bytes.len() - filled);
                bytes[filled..filled + n].copy_from_slice(&v[..n]);
                filled += n;
            }
        }
    }
    crate::sandbox::hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_decoded_like_a_script_host_would() {
        assert_eq!(decode_source(b"var a = 1;"), ("var a = 1;".into(), None));
        assert!(matches!(decode_source(b"var a = 1;").0, Cow::Borrowed(_)));
        assert_eq!(decode_source(b"\xEF\xBB\xBFx"), ("x".into(), None));
        let (t, n) = decode_source(b"\xFF\xFEx\0y\0");
        assert_eq!(t, "xy");
        assert!(n.is_some_and(|n| n.contains("UTF-16LE")));
        let (t, n) = decode_source(b"'caf\xE9'");
        assert_eq!(t, "'caf\u{e9}'");
        assert!(n.is_some_and(|n| n.contains("Latin-1")));
        let (t, n) = decode_source(b"a\0b");
        assert_eq!(t, "a\u{FFFD}b");
        assert!(n.is_some_and(|n| n.contains("NUL")));
    }

    #[test]
    fn tokens_differ() {
        let (a, b) = (token(), token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}

//! Pre-initialized JavaScript environments.
//!
//! Starting QuickJS, loading the driver and an environment's prelude, and setting the
//! environment up (the browser's DOM, `window`, network APIs) takes a few milliseconds, the same
//! in every run. So it is done once: an instance of the QuickJS module runs a bootstrap that
//! prepares everything up to the point where only the run's own data (token, channel, script,
//! arguments, clock) is missing, and wasmtime-wizer snapshots its memory and globals into a new
//! module. A run instantiates that module (its memory is a copy-on-write image) and calls the
//! entry point the bootstrap left, with the run's data as JavaScript strings.
//!
//! The QuickJS reactor exports no way to make strings or call functions, but its name section
//! names the C API: [`with_exports`] exports the few functions this needs under `airlock_` names.
//! A build of QuickJS without them gets no snapshot, and runs take the ordinary path.

use wasmtime::{InstancePre, Store};
use wasmtime_wizer::Wizer;

use crate::error::{Error, Result};
use crate::js::GuestHeap;
use crate::limits::Limits;
use crate::sandbox::{ModuleState, Sandbox, block_on};
use crate::trace::Recorder;
use crate::wasm_binary::{leb128, rewrite_sections};

/// The QuickJS functions a snapshot's run calls, exported as `airlock_<name>`.
const EXPORTS: [&str; 5] = [
    "JS_NewStringLen",
    "JS_GetGlobalObject",
    "JS_GetPropertyStr",
    "JS_Call",
    "js_std_await",
];

/// The global the bootstrap leaves for the host: it removes itself, then starts the run.
const ENTRY: &str = "__airlock_run";

/// Run by `qjs --std -m -e SNAPSHOT_BOOTSTRAP airlock DRIVER ENV_NAME ENV_PRELUDE` before the
/// snapshot: as the run bootstrap in `js.rs`, but nothing is sent to the host (there is no run
/// yet) and the environment is set up now.
const SNAPSHOT_BOOTSTRAP: &str = r#"const s = globalThis.std, o = globalThis.os, b = globalThis.bjson, a = globalThis.scriptArgs;
delete globalThis.std; delete globalThis.os; delete globalThis.bjson; delete globalThis.scriptArgs;
function load(src, bc, kind) {
  const code = s.evalScript('"use strict";\n(' + src + "\n)", { compile_only: true });
  const bytes = new Uint8Array(b.write(code, b.WRITE_OBJ_BYTECODE | b.WRITE_OBJ_STRIP_SOURCE | b.WRITE_OBJ_STRIP_DEBUG));
  return s.evalScript(b.read(bytes.buffer, 0, bytes.byteLength, b.READ_OBJ_BYTECODE), { eval_function: true });
}
const run = load(a[1], "", "driver")(s, o, b, load, [a[2], a[3], "", "now"]);
const slice = Array.prototype.slice;
Object.defineProperty(globalThis, "__airlock_run", { configurable: true, value: function () {
  delete globalThis.__airlock_run;
  return run(slice.call(arguments));
} });
"#;

/// The cache key of an environment's snapshot: it depends on the QuickJS build, the driver, the
/// bootstrap and the prelude.
pub(crate) fn key(guest_sha256: &str, driver: &str, env_name: &str, prelude: &str) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    // What shapes a snapshot: the QuickJS build, the code run before it, how it is taken
    // (wizer's version) and how runs call into it (the exports).
    let how = format!("wasmtime-wizer 48.0.8; {}", EXPORTS.join(","));
    for part in [
        guest_sha256,
        driver,
        SNAPSHOT_BOOTSTRAP,
        env_name,
        prelude,
        &how,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    format!("{}-jssnapshot", crate::sandbox::hex(&h.finalize()))
}

/// Builds the snapshot module of an environment from the QuickJS module `base`.
pub(crate) fn build(
    sandbox: &Sandbox,
    base: &[u8],
    driver: &str,
    env_name: &str,
    prelude: &str,
) -> Result<Vec<u8>> {
    let exported = with_exports(base).ok_or_else(|| {
        Error::internal(
            "JavaScript snapshot",
            wasmtime::format_err!(
                "this QuickJS build does not name the functions a snapshot needs"
            ),
        )
    })?;
    let mut wizer = Wizer::new();
    wizer.init_func("_initialize");
    let (cx, instrumented) = wizer
        .instrument(&exported)
        .map_err(|e| Error::internal("JavaScript snapshot", e))?;
    // `block_on` moves to a thread of its own when the caller is already inside a runtime.
    block_on(|| {
        snapshot(
            sandbox,
            &wizer,
            &cx,
            &instrumented,
            driver,
            env_name,
            prelude,
        )
    })
}

async fn snapshot(
    sandbox: &Sandbox,
    wizer: &Wizer,
    cx: &wasmtime_wizer::ModuleContext<'_>,
    instrumented: &[u8],
    driver: &str,
    env_name: &str,
    prelude: &str,
) -> Result<Vec<u8>> {
    let internal = |e| Error::internal("JavaScript snapshot", e);
    let module = wasmtime::Module::new(sandbox.engine(), instrumented).map_err(internal)?;
    let pre = sandbox.link_module(&module)?;
    let limits = Limits::default();
    let deadline = std::time::Instant::now() + limits.timeout;
    let _ticking = sandbox.ticking(deadline);
    let state = ModuleState::new(
        wasmtime_wasi::WasiCtxBuilder::new().build_p1(),
        Recorder::disabled(),
        &limits,
        deadline,
    );
    let mut store = sandbox.new_store(state, &limits)?;
    let instance = pre.instantiate_async(&mut store).await.map_err(internal)?;
    instance
        .get_typed_func::<(), ()>(&mut store, "_initialize")
        .map_err(internal)?
        .call_async(&mut store, ())
        .await
        .map_err(internal)?;
    let argv = [
        "qjs",
        "--std",
        "-m",
        "-e",
        SNAPSHOT_BOOTSTRAP,
        "airlock",
        driver,
        env_name,
        prelude,
    ];
    let status = crate::js::start_qjs(&mut store, &instance, &argv)
        .await
        .map_err(internal)?;
    if status != 0 {
        return Err(internal(wasmtime::format_err!(
            "the environment's set-up failed (status {status})"
        )));
    }
    crate::snapshot::take(wizer, cx, &mut store, instance)
        .await
        .map_err(internal)
}

/// Starts a run in a fresh instance of a snapshot: calls the bootstrap's entry point with `args`
/// (token, channel descriptor, source, file name, the script's arguments) and runs the event
/// loop until the driver exits (a WASI exit, as for a run without snapshot).
pub(crate) async fn call(
    store: &mut Store<ModuleState>,
    pre: &InstancePre<ModuleState>,
    args: &[&str],
) -> wasmtime::Result<i32> {
    let instance = pre.instantiate_async(&mut *store).await?;
    let heap = GuestHeap::of(store, &instance, "malloc")?;
    let free = instance.get_typed_func::<u32, ()>(&mut *store, "free")?;
    let context = instance
        .get_typed_func::<(), u32>(&mut *store, "qjs_get_context")?
        .call_async(&mut *store, ())
        .await?;
    let new_string =
        instance.get_typed_func::<(u32, u32, u32), i64>(&mut *store, "airlock_JS_NewStringLen")?;
    // One buffer at a time in guest memory: the script may be large.
    let mut values = Vec::with_capacity(8 * args.len());
    for arg in args {
        let len = u32::try_from(arg.len())?;
        let p = heap.put(store, &[arg.as_bytes()]).await?;
        let value = new_string
            .call_async(&mut *store, (context, p, len))
            .await?;
        free.call_async(&mut *store, p).await?;
        if is_exception(value) {
            wasmtime::bail!("out of memory passing the script to QuickJS");
        }
        values.extend_from_slice(&value.to_le_bytes());
    }
    let argv = heap.put(store, &[&values]).await?;
    let name = heap.put(store, &[ENTRY.as_bytes(), &[0]]).await?;
    let global = instance
        .get_typed_func::<u32, i64>(&mut *store, "airlock_JS_GetGlobalObject")?
        .call_async(&mut *store, context)
        .await?;
    let entry = instance
        .get_typed_func::<(u32, i64, u32), i64>(&mut *store, "airlock_JS_GetPropertyStr")?
        .call_async(&mut *store, (context, global, name))
        .await?;
    if !is_object(entry) {
        wasmtime::bail!("the JavaScript snapshot has no entry point");
    }
    let argc = u32::try_from(args.len())?;
    let promise = instance
        .get_typed_func::<(u32, i64, i64, u32, u32), i64>(&mut *store, "airlock_JS_Call")?
        .call_async(&mut *store, (context, entry, global, argc, argv))
        .await?;
    if is_exception(promise) {
        wasmtime::bail!("the JavaScript snapshot's entry point failed");
    }
    let settled = instance
        .get_typed_func::<(u32, i64), i64>(&mut *store, "airlock_js_std_await")?
        .call_async(&mut *store, (context, promise))
        .await?;
    // The driver ends every run with a WASI exit. An event loop that ran dry is a clean end; a
    // rejected run (the driver itself failed) is not.
    Ok(if is_exception(settled) { 1 } else { 0 })
}

/// QuickJS's NaN-boxed values (32-bit builds): the tag is the upper half.
fn tag(value: i64) -> i32 {
    (value >> 32) as i32
}

fn is_exception(value: i64) -> bool {
    const JS_TAG_EXCEPTION: i32 = 6;
    tag(value) == JS_TAG_EXCEPTION
}

fn is_object(value: i64) -> bool {
    const JS_TAG_OBJECT: i32 = -1;
    tag(value) == JS_TAG_OBJECT
}

/// The QuickJS module with [`EXPORTS`] exported as `airlock_<name>` (found by name in its name
/// section); `None` if a name is missing or the binary is malformed.
pub(crate) fn with_exports(wasm: &[u8]) -> Option<Vec<u8>> {
    let mut found: Vec<Option<u32>> = vec![None; EXPORTS.len()];
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CustomSection(c) = payload.ok()?
            && let wasmparser::KnownCustom::Name(names) = c.as_known()
        {
            for sub in names {
                if let Ok(wasmparser::Name::Function(map)) = sub {
                    for naming in map {
                        let naming = naming.ok()?;
                        if let Some(i) = EXPORTS.iter().position(|n| *n == naming.name) {
                            found[i] = Some(naming.index);
                        }
                    }
                }
            }
        }
    }
    let indices: Vec<u32> = found.into_iter().collect::<Option<_>>()?;
    let mut done = false;
    let out = rewrite_sections(wasm, |id, payload| {
        if id != 7 {
            return Some(Some(payload.into()));
        }
        // The export section, with the new entries after the module's own.
        let mut entries = wasmparser::BinaryReader::new(payload, 0);
        let count = entries.read_var_u32().ok()?;
        let rest = entries.read_bytes(entries.bytes_remaining()).ok()?;
        let mut section = Vec::with_capacity(payload.len() + 256);
        leb128(&mut section, count + u32::try_from(EXPORTS.len()).ok()?);
        section.extend_from_slice(rest);
        for (name, index) in EXPORTS.iter().zip(&indices) {
            let name = format!("airlock_{name}");
            leb128(&mut section, u32::try_from(name.len()).ok()?);
            section.extend_from_slice(name.as_bytes());
            section.push(0x00); // a function
            leb128(&mut section, *index);
        }
        done = true;
        Some(Some(section.into()))
    })?;
    done.then_some(out)
}

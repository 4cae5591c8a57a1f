//! Fresh Python sandboxes of two guests, alternated in one process:
//! `scripts/compare-python-guests` (which builds the second one, then runs this).
//!
//! - airlock's guest: componentize-py's CPython 3.14, a component of dynamically linked core
//!   modules, run through [`airlock::python::Python`] as `airlock python` runs it;
//! - a statically linked CPython 3.11 built for WASI as a reactor (`AIRLOCK_STATIC_PYTHON`, with
//!   its `Lib` directory in `AIRLOCK_STATIC_PYTHON_LIB`), pre-initialized here with
//!   wasmtime-wizer and run in a pooling engine set up as airlock's (no fuel, epoch deadlines,
//!   8 MiB kept resident). It is a measurement, not a guest: no limits, trace or policy.
//!
//! Each fresh run executes `print("hello")` in a new instance and drops it.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs, unsafe_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use airlock::guest::{self, GuestKind};
use airlock::python::{Python, Source};
use airlock::{RunRequest, Sandbox, SandboxConfig};
use wasmtime::{
    Config, Enabled, Engine, Instance, Linker, Module, PoolingAllocationConfig, Store, Val,
    WasmParams, WasmResults,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

/// Run before the snapshot: the modules airlock's guest imports before its own, and the entry
/// point the glue's `airlock_run` calls.
const BOOT: &str = r#"
import sys, os, random, json, re, collections, functools, itertools, math, traceback, types
import linecache, io, base64, dataclasses, datetime, string, typing
for _s in (sys.stdout, sys.stderr):
    _s.reconfigure(line_buffering=True, write_through=False)
def __airlock_run(code):
    random.seed()
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = main
    try:
        exec(compile(code, "<string>", "exec", dont_inherit=True), main.__dict__)
        return 0
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException as e:
        traceback.print_exception(e)
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
"#;

const CODE: &str = "print(\"hello\")";

fn wasi(lib: &str, stdout: Option<MemoryOutputPipe>) -> WasiP1Ctx {
    let mut b = WasiCtxBuilder::new();
    b.preopened_dir(lib, "/usr/local/lib/python3.11", FsPerms::ReadOnly)
        .expect("the Lib directory");
    if let Some(o) = stdout {
        b.stdout(o);
    }
    b.build_p1()
}

fn engine() -> Engine {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(4)
        .total_memories(4)
        .total_tables(4)
        .max_memory_size(1 << 30)
        .table_elements(100_000)
        .linear_memory_keep_resident(8 << 20)
        .table_keep_resident(64 << 10)
        .pagemap_scan(Enabled::Auto);
    config.allocation_strategy(pool);
    Engine::new(&config).unwrap()
}

async fn call<P: WasmParams + Sync, R: WasmResults + Sync>(
    store: &mut Store<WasiP1Ctx>,
    instance: &Instance,
    name: &str,
    params: P,
) -> R {
    instance
        .get_typed_func::<P, R>(&mut *store, name)
        .unwrap()
        .call_async(&mut *store, params)
        .await
        .unwrap()
}

/// `bytes` with a NUL after them, in memory the guest's `malloc` gave.
async fn guest_bytes(store: &mut Store<WasiP1Ctx>, instance: &Instance, bytes: &[u8]) -> i32 {
    let len = i32::try_from(bytes.len() + 1).unwrap();
    let at: i32 = call(store, instance, "airlock_malloc", (len,)).await;
    let memory = instance.get_memory(&mut *store, "memory").unwrap();
    let at_usize = usize::try_from(at).unwrap();
    memory.write(&mut *store, at_usize, bytes).unwrap();
    memory
        .write(&mut *store, at_usize + bytes.len(), &[0])
        .unwrap();
    at
}

struct Snapshotting<'a> {
    store: &'a mut Store<WasiP1Ctx>,
    instance: Instance,
}

impl InstanceState for Snapshotting<'_> {
    async fn global_get(&mut self, name: &str, _: ValType) -> SnapshotVal {
        let global = self.instance.get_global(&mut *self.store, name).unwrap();
        match global.get(&mut *self.store) {
            Val::I32(x) => SnapshotVal::I32(x),
            Val::I64(x) => SnapshotVal::I64(x),
            Val::F32(x) => SnapshotVal::F32(x),
            Val::F64(x) => SnapshotVal::F64(x),
            other => panic!("global {name}: {other:?}"),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self.instance.get_memory(&mut *self.store, name).unwrap();
        contents(memory.data(&*self.store))
    }
}

/// The reactor pre-initialized (cached next to it).
async fn snapshot(engine: &Engine, reactor: &PathBuf, lib: &str) -> Vec<u8> {
    let cached = reactor.with_extension("snapshot.wasm");
    if let Ok(bytes) = std::fs::read(&cached)
        && std::fs::metadata(&cached).unwrap().modified().unwrap()
            > std::fs::metadata(reactor).unwrap().modified().unwrap()
    {
        return bytes;
    }
    let wasm = std::fs::read(reactor).unwrap();
    let mut wizer = Wizer::new();
    wizer.init_func("_initialize");
    let (cx, instrumented) = wizer.instrument(&wasm).unwrap();
    let module = Module::new(engine, &instrumented).unwrap();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s| s).unwrap();
    let mut store = Store::new(engine, wasi(lib, None));
    store.set_epoch_deadline(u64::MAX / 2);
    let instance = linker.instantiate_async(&mut store, &module).await.unwrap();
    call::<(), ()>(&mut store, &instance, "_initialize", ()).await;
    let boot = guest_bytes(&mut store, &instance, BOOT.as_bytes()).await;
    let status: i32 = call(&mut store, &instance, "airlock_init", (boot,)).await;
    assert_eq!(status, 0, "the bootstrap failed");
    let mut state = Snapshotting {
        store: &mut store,
        instance,
    };
    let bytes = wizer.snapshot(&cx, &mut state).await.unwrap();
    std::fs::write(&cached, &bytes).unwrap();
    bytes
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let (Some(reactor), Some(lib)) = (
        std::env::var_os("AIRLOCK_STATIC_PYTHON").map(PathBuf::from),
        std::env::var("AIRLOCK_STATIC_PYTHON_LIB").ok(),
    ) else {
        println!("static_python: run scripts/compare-python-guests (it builds the guest first)");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let engine = engine();
    let snapshot = rt.block_on(snapshot(&engine, &reactor, &lib));
    let compiled = reactor.with_extension("snapshot.cwasm");
    let module = match unsafe { Module::deserialize_file(&engine, &compiled) } {
        Ok(m) => m,
        Err(_) => {
            let m = Module::new(&engine, &snapshot).unwrap();
            std::fs::write(&compiled, m.serialize().unwrap()).unwrap();
            m
        }
    };
    // As for the component: a second load, the file in the page cache.
    let t = Instant::now();
    let again = unsafe { Module::deserialize_file(&engine, &compiled) }.unwrap();
    let static_load = t.elapsed();
    drop(again);
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s| s).unwrap();
    let pre = linker.instantiate_pre(&module).unwrap();
    let static_run = || {
        rt.block_on(async {
            let t = Instant::now();
            let out = MemoryOutputPipe::new(1 << 20);
            let mut store = Store::new(&engine, wasi(&lib, Some(out.clone())));
            store.set_epoch_deadline(u64::MAX / 2);
            let instance = pre.instantiate_async(&mut store).await.unwrap();
            let code = guest_bytes(&mut store, &instance, CODE.as_bytes()).await;
            let len = i32::try_from(CODE.len()).unwrap();
            let status: i32 = call(&mut store, &instance, "airlock_run", (code, len)).await;
            drop(store);
            let took = t.elapsed();
            assert_eq!((status, &out.contents()[..]), (0, &b"hello\n"[..]));
            took
        })
    };

    let guest = guest::find(GuestKind::Python, None).expect("airlock install python");
    let sandbox = Sandbox::new(SandboxConfig {
        fuel_metering: false,
        ..SandboxConfig::default()
    })
    .unwrap();
    drop(Python::load(&sandbox, &guest).unwrap()); // compiled or read once
    let t = Instant::now();
    let python = Python::load(&sandbox, &guest).unwrap();
    let component_load = t.elapsed();
    let component_run = || {
        let t = Instant::now();
        let o = python
            .run(&Source::inline(CODE), RunRequest::default())
            .unwrap();
        let took = t.elapsed();
        assert_eq!(o.stdout.bytes, b"hello\n");
        took
    };
    for _ in 0..50 {
        static_run();
        component_run();
    }
    let (mut s, mut c) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        for _ in 0..200 {
            s.push(static_run());
        }
        for _ in 0..200 {
            c.push(component_run());
        }
    }
    println!(
        "fresh sandbox print(\"hello\"), median of 2000 each, batches alternated: static CPython 3.11 reactor {}, componentize-py CPython 3.14 (airlock's guest, through the library) {}",
        ms(median(s)),
        ms(median(c))
    );
    println!(
        "loading the compiled code from the cache: static {}, componentize-py {} (with linking)",
        ms(static_load),
        ms(component_load)
    );
}

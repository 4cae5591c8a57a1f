//! Pre-initialized guests: an instance set up once, then snapshotted by wasmtime-wizer into a
//! module whose fresh instances start where the set-up ended (the JavaScript environments, the
//! Python guest).

use wasmtime::Store;
use wasmtime_wizer::{InstanceState, ModuleContext, SnapshotVal, ValType, Wizer};

use crate::sandbox::ModuleState;

/// Snapshots `instance` (of the module `wizer` instrumented into `cx`) as it is now.
pub(crate) async fn take(
    wizer: &Wizer,
    cx: &ModuleContext<'_>,
    store: &mut Store<ModuleState>,
    instance: wasmtime::Instance,
) -> wasmtime::Result<Vec<u8>> {
    let mut state = Snapshotting {
        store,
        instance,
        missing: None,
    };
    let wasm = wizer.snapshot(cx, &mut state).await?;
    match state.missing {
        Some(name) => Err(wasmtime::format_err!("the instance has no `{name}`")),
        None => Ok(wasm),
    }
}

/// What wasmtime-wizer reads from the instance for the snapshot.
struct Snapshotting<'a> {
    store: &'a mut Store<ModuleState>,
    instance: wasmtime::Instance,
    /// An export wizer asked for that the instance lacks (the snapshot is then refused).
    missing: Option<String>,
}

impl InstanceState for Snapshotting<'_> {
    async fn global_get(&mut self, name: &str, _: ValType) -> SnapshotVal {
        let value = self
            .instance
            .get_global(&mut *self.store, name)
            .map(|g| g.get(&mut *self.store));
        match value {
            Some(wasmtime::Val::I32(x)) => SnapshotVal::I32(x),
            Some(wasmtime::Val::I64(x)) => SnapshotVal::I64(x),
            Some(wasmtime::Val::F32(x)) => SnapshotVal::F32(x),
            Some(wasmtime::Val::F64(x)) => SnapshotVal::F64(x),
            Some(wasmtime::Val::V128(x)) => SnapshotVal::V128(x.as_u128()),
            _ => {
                self.missing = Some(name.to_string());
                SnapshotVal::I32(0)
            }
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        match self.instance.get_memory(&mut *self.store, name) {
            Some(memory) => contents(memory.data(&*self.store)),
            None => {
                self.missing = Some(name.to_string());
                contents(&[]);
            }
        }
    }
}

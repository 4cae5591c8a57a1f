//! Rewriting WebAssembly binaries section by section (the guest installers and the JavaScript
//! snapshots adjust the runtimes they are given).

use std::borrow::Cow;

/// Rebuilds a module or component: `edit(id, payload)` gives each top-level section's new
/// payload, `Some(None)` to drop the section, or `None` to give up. `None` also if the binary's
/// sections are malformed.
pub(crate) fn rewrite_sections<'a>(
    wasm: &'a [u8],
    mut edit: impl FnMut(u8, &'a [u8]) -> Option<Option<Cow<'a, [u8]>>>,
) -> Option<Vec<u8>> {
    let mut out = wasm.get(..8)?.to_vec();
    if out[..4] != *b"\0asm" {
        return None;
    }
    let mut reader = wasmparser::BinaryReader::new(wasm.get(8..)?, 8);
    while !reader.eof() {
        let id = reader.read_u8().ok()?;
        let size = reader.read_var_u32().ok()?;
        let payload = reader.read_bytes(size as usize).ok()?;
        if let Some(kept) = edit(id, payload)? {
            out.push(id);
            leb128(&mut out, u32::try_from(kept.len()).ok()?);
            out.extend_from_slice(&kept);
        }
    }
    Some(out)
}

/// Appends `value` as an unsigned LEB128 number.
pub(crate) fn leb128(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        out.push(if value == 0 { byte } else { byte | 0x80 });
        if value == 0 {
            break;
        }
    }
}

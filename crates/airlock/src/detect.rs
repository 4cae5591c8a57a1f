//! Recognising WebAssembly inputs and explaining precisely why bytes are not valid WebAssembly.

use serde::Serialize;

use crate::error::{Error, InvalidModule};

/// What kind of WebAssembly a program is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WasmKind {
    /// A core module (WASI preview 1 command: exports `_start`).
    Module,
    /// A component (WASI preview 2 command: exports `wasi:cli/run`).
    Component,
}

impl std::fmt::Display for WasmKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WasmKind::Module => "module",
            WasmKind::Component => "component",
        })
    }
}

const MAGIC: &[u8; 4] = b"\0asm";

/// Turns an input (binary WebAssembly, or the text format) into binary WebAssembly and tells
/// whether it is a module or a component. Never panics, whatever the bytes.
pub fn to_binary(bytes: &[u8]) -> Result<(std::borrow::Cow<'_, [u8]>, WasmKind), Error> {
    if bytes.starts_with(MAGIC) {
        let kind = kind_of_binary(bytes)?;
        return Ok((std::borrow::Cow::Borrowed(bytes), kind));
    }
    if looks_like_text(bytes) {
        let binary = wat::parse_bytes(bytes).map_err(|e| {
            Error::InvalidModule(InvalidModule {
                message: format!("in WebAssembly text: {}", e.to_string().replace('\n', " ")),
                offset: None,
                section: None,
            })
        })?;
        let kind = kind_of_binary(&binary)?;
        return Ok((std::borrow::Cow::Owned(binary.into_owned()), kind));
    }
    Err(Error::InvalidModule(InvalidModule {
        message: not_wasm_message(bytes),
        offset: Some(0),
        section: None,
    }))
}

pub(crate) fn kind_of_binary(bytes: &[u8]) -> Result<WasmKind, Error> {
    match bytes.get(4..8) {
        Some([1, 0, 0, 0]) => Ok(WasmKind::Module),
        Some([0x0d, 0, 1, 0]) => Ok(WasmKind::Component),
        Some(v) => Err(Error::InvalidModule(InvalidModule {
            message: format!(
                "unknown binary version/layer {:02x} {:02x} {:02x} {:02x} (expected 01 00 00 00 for a module or 0d 00 01 00 for a component)",
                v[0], v[1], v[2], v[3]
            ),
            offset: Some(4),
            section: None,
        })),
        None => Err(Error::InvalidModule(InvalidModule {
            message: format!(
                "truncated header: {} bytes, a WebAssembly header needs 8",
                bytes.len()
            ),
            offset: Some(bytes.len()),
            section: None,
        })),
    }
}

/// True if the bytes start like the WebAssembly text format (after blanks and comments).
pub fn looks_like_text(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    loop {
        rest = trim_ascii_start(rest);
        if rest.starts_with(b";;") {
            match rest.iter().position(|&b| b == b'\n') {
                Some(n) => rest = &rest[n..],
                None => return false,
            }
        } else if rest.starts_with(b"(;") {
            match rest.windows(2).position(|w| w == b";)") {
                Some(n) => rest = &rest[n + 2..],
                None => return false,
            }
        } else {
            return rest.starts_with(b"(module") || rest.starts_with(b"(component");
        }
    }
}

fn trim_ascii_start(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

fn not_wasm_message(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "not WebAssembly: the input is empty".into();
    }
    let what = if bytes.starts_with(b"\x7fELF") {
        Some("an ELF executable")
    } else if bytes.starts_with(b"MZ") {
        Some("a Windows PE executable")
    } else if bytes.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || bytes.starts_with(&[0xca, 0xfe, 0xba, 0xbe])
    {
        Some("a Mach-O executable")
    } else if bytes.starts_with(b"#!") {
        Some("a script with a #! line")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("a zip archive")
    } else if bytes.starts_with(b"\x1f\x8b") {
        Some("gzip-compressed data")
    } else if bytes.starts_with(b"%PDF") {
        Some("a PDF document")
    } else {
        None
    };
    let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
    match what {
        Some(w) => format!(
            "not WebAssembly: the input looks like {w} (starts with {})",
            head.join(" ")
        ),
        None => format!(
            "not WebAssembly: expected the magic bytes 00 61 73 6d (\"\\0asm\") or WebAssembly text, found {}",
            head.join(" ")
        ),
    }
}

/// Validates binary WebAssembly and, if it is invalid, says what is wrong, where, and in which
/// section. Returns `None` if the validator accepts the bytes.
pub fn diagnose(bytes: &[u8]) -> Option<InvalidModule> {
    use wasmparser::{Parser, Payload, Validator, WasmFeatures};

    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut section: Option<&'static str> = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = match payload {
            Ok(p) => p,
            Err(e) => {
                return Some(InvalidModule {
                    message: e.message().to_string(),
                    offset: Some(e.offset()),
                    section: section.map(str::to_string),
                });
            }
        };
        section = section_name(&payload).or(section);
        let invalid = |e: wasmparser::BinaryReaderError, section: Option<&str>| InvalidModule {
            message: e.message().to_string(),
            offset: Some(e.offset()),
            section: section.map(str::to_string),
        };
        match validator.payload(&payload) {
            Err(e) => return Some(invalid(e, section)),
            Ok(wasmparser::ValidPayload::Func(func, body)) => {
                let mut v = func.into_validator(Default::default());
                if let Err(e) = v.validate(&body) {
                    return Some(invalid(e, section));
                }
            }
            Ok(_) => {}
        }
        if let Payload::End(_) = payload {
            section = None;
        }
    }
    None
}

fn section_name(p: &wasmparser::Payload<'_>) -> Option<&'static str> {
    use wasmparser::Payload::*;
    Some(match p {
        TypeSection(_) => "type",
        ImportSection(_) => "import",
        FunctionSection(_) => "function",
        TableSection(_) => "table",
        MemorySection(_) => "memory",
        TagSection(_) => "tag",
        GlobalSection(_) => "global",
        ExportSection(_) => "export",
        StartSection { .. } => "start",
        ElementSection(_) => "element",
        DataCountSection { .. } => "data count",
        DataSection(_) => "data",
        CodeSectionStart { .. } | CodeSectionEntry(_) => "code",
        CustomSection(_) => "custom",
        ModuleSection { .. } => "nested module",
        InstanceSection(_) | ComponentInstanceSection(_) => "instance",
        CoreTypeSection(_) | ComponentTypeSection(_) => "component type",
        ComponentSection { .. } => "nested component",
        ComponentAliasSection(_) => "alias",
        ComponentCanonicalSection(_) => "canonical",
        ComponentStartSection { .. } => "component start",
        ComponentImportSection(_) => "component import",
        ComponentExportSection(_) => "component export",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "minimal module" of the browser-security seed: its export name's length byte says 4
    /// for `_start`, so the two remaining letters are read as the export kind.
    const SEED_MODULE: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
        0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00,
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
    ];

    #[test]
    fn seed_module_is_rejected_precisely() {
        let d = diagnose(SEED_MODULE).expect("the seed module is malformed");
        assert_eq!(d.section.as_deref(), Some("export"));
        // Byte 26 (0x1a) is the 'r' of "_start", read as the export kind.
        assert_eq!(d.offset, Some(26), "{d}");
        assert!(d.message.contains("0x72"), "{d}");
    }

    #[test]
    fn detects_module_component_and_text() {
        assert_eq!(
            to_binary(b"\0asm\x01\0\0\0").map(|r| r.1).ok(),
            Some(WasmKind::Module)
        );
        assert_eq!(
            to_binary(b"\0asm\x0d\0\x01\0").map(|r| r.1).ok(),
            Some(WasmKind::Component)
        );
        assert_eq!(
            to_binary(b" ;; hi\n(module)").map(|r| r.1).ok(),
            Some(WasmKind::Module)
        );
        assert_eq!(
            to_binary(b"(component)").map(|r| r.1).ok(),
            Some(WasmKind::Component)
        );
    }

    #[test]
    fn names_what_it_is_when_not_wasm() {
        let e = to_binary(b"\x7fELF\x02\x01").unwrap_err().to_string();
        assert!(e.contains("ELF"), "{e}");
        let e = to_binary(b"").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = to_binary(b"\0asm\x01\0").unwrap_err().to_string();
        assert!(e.contains("truncated header"), "{e}");
    }

    #[test]
    fn text_errors_carry_line_and_column() {
        let e = to_binary(b"(module (func (i32.bogus)))")
            .unwrap_err()
            .to_string();
        assert!(e.contains("1:"), "{e}");
    }
}

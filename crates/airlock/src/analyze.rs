//! File analysis: detect a file's type from its bytes, run it in the sandbox meant for it (with
//! an emulated environment for scripts), and judge the report with the verdict rules.
//!
//! ```no_run
//! # fn main() -> airlock::Result<()> {
//! use airlock::analyze::{Analyzer, AnalyzeOptions};
//! let analyzer = Analyzer::new(AnalyzeOptions::default())?;
//! let a = analyzer.analyze_path(std::path::Path::new("download.js"));
//! println!("{}: {}", a.name, a.verdict.summary());
//! # Ok(()) }
//! ```
//!
//! Files this tier does not run (native executables, archives, documents, VBScript, unknown
//! types, unreadable or oversized files) get a `not_analysed` verdict that says why, with their
//! type and hash: never a silent "benign".

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::guest::{self, GuestKind};
use crate::js::{Environment, Js, Script};
use crate::python::{Python, Source};
use crate::report::{Input, Report};
use crate::trace::TraceConfig;
use crate::verdict::{Rules, Verdict};
use crate::{JS_KEEP_RESIDENT, Limits, Policy, RunRequest, Sandbox, SandboxConfig};

/// A file's type, as detected from its bytes (and, for text, its name's extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileType {
    /// Zero bytes.
    Empty,
    /// A WebAssembly core module.
    WasmModule,
    /// A WebAssembly component.
    WasmComponent,
    /// JavaScript (or JScript) source.
    Javascript,
    /// An HTML page: its inline scripts run in the browser environment.
    Html,
    /// A Windows Script File (`<job>`/`<package>`): its JScript runs under Windows Script Host.
    Wsf,
    /// An HTML Application: its JScript runs with Windows Script Host's objects.
    Hta,
    /// VBScript (not run by this tier).
    Vbscript,
    /// Script encoded by the Windows Script Encoder (JScript.Encode, `#@~^...^#~@`), not decoded
    /// by this tier.
    EncodedScript,
    /// Python source.
    Python,
    /// An ELF executable or library.
    Elf,
    /// A Windows PE executable or library.
    Pe,
    /// A Mach-O executable or library.
    MachO,
    /// A ZIP, gzip, 7-Zip, RAR or other archive.
    Archive,
    /// A PDF or Office document.
    Document,
    /// Other binary data.
    Binary,
}

impl FileType {
    /// The type's name as written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Empty => "empty",
            FileType::WasmModule => "wasm-module",
            FileType::WasmComponent => "wasm-component",
            FileType::Javascript => "javascript",
            FileType::Html => "html",
            FileType::Wsf => "wsf",
            FileType::Hta => "hta",
            FileType::Vbscript => "vbscript",
            FileType::EncodedScript => "encoded-script",
            FileType::Python => "python",
            FileType::Elf => "elf",
            FileType::Pe => "pe",
            FileType::MachO => "mach-o",
            FileType::Archive => "archive",
            FileType::Document => "document",
            FileType::Binary => "binary",
        }
    }

    /// Why this tier does not run files of this type, if it does not.
    pub fn not_analysed(self) -> Option<&'static str> {
        Some(match self {
            FileType::Empty => "an empty file: nothing to run",
            FileType::Vbscript => "VBScript: this tier runs JavaScript, Python and WebAssembly",
            FileType::EncodedScript => {
                "script encoded by the Windows Script Encoder (JScript.Encode): this tier does not \
                 decode it"
            }
            FileType::Elf | FileType::Pe | FileType::MachO => {
                "a native executable: this tier runs JavaScript, Python and WebAssembly"
            }
            FileType::Archive => "an archive: extract it and analyse its files",
            FileType::Document => "a document: this tier runs JavaScript, Python and WebAssembly",
            FileType::Binary => "binary data of no type this tier runs",
            _ => return None,
        })
    }
}

/// What detection found: the type and, for scripts, what to run where.
#[derive(Debug, Clone)]
pub struct Detection {
    /// The file's type.
    pub file_type: FileType,
    /// The JavaScript environment to run it in (scripts and pages).
    pub environment: Option<&'static str>,
    /// The code to run when it is not the file itself: the scripts taken out of a page or
    /// container, one per block, each run on its own (see [`Script::blocks`]).
    pub extracted: Option<Vec<String>>,
    /// Scripts a page links to (`<script src>`): named, not fetched.
    pub linked_scripts: Vec<String>,
    /// Notes on what detection did.
    pub notes: Vec<String>,
    /// Only part of the file is analysed (a page searched in part, encoded script, WebAssembly
    /// text too large to parse): the notes say which.
    pub partial: bool,
}

fn ext(name: &str) -> String {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Detects a file's type from its bytes; the name's extension only decides between kinds of
/// text that look alike (a `.py` file is Python, a `.vbs` file VBScript).
pub fn detect(name: &str, bytes: &[u8]) -> Detection {
    let d = |file_type| Detection {
        file_type,
        environment: None,
        extracted: None,
        linked_scripts: Vec::new(),
        notes: Vec::new(),
        partial: false,
    };
    if bytes.is_empty() {
        return d(FileType::Empty);
    }
    // WebAssembly text is parsed only up to 4 MiB: parsing (and then compiling) deeply nested
    // text costs far more time and memory than its size (16 MB of nested blocks: 9 s, 1.7 GB).
    if (bytes.starts_with(b"\0asm")
        || bytes.len() <= MAX_WAT_BYTES && crate::detect::looks_like_text(bytes))
        && let Ok((_, kind)) = crate::detect::to_binary(bytes)
    {
        return d(match kind {
            crate::WasmKind::Module => FileType::WasmModule,
            crate::WasmKind::Component => FileType::WasmComponent,
        });
    }
    let magic: &[(&[u8], FileType)] = &[
        (b"\0asm", FileType::Binary), // a damaged WebAssembly binary
        (b"\x7fELF", FileType::Elf),
        (b"\xfe\xed\xfa\xce", FileType::MachO),
        (b"\xfe\xed\xfa\xcf", FileType::MachO),
        (b"\xce\xfa\xed\xfe", FileType::MachO),
        (b"\xcf\xfa\xed\xfe", FileType::MachO),
        (b"\xca\xfe\xba\xbe", FileType::MachO),
        (b"PK\x03\x04", FileType::Archive),
        (b"\x1f\x8b", FileType::Archive),
        (b"7z\xbc\xaf\x27\x1c", FileType::Archive),
        (b"Rar!", FileType::Archive),
        (b"%PDF", FileType::Document),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FileType::Document),
    ];
    if let Some((_, t)) = magic.iter().find(|(m, _)| bytes.starts_with(m)) {
        return d(*t);
    }
    if is_pe(bytes) {
        return d(FileType::Pe);
    }
    // A script host runs a file by its extension: control bytes in a `.js` file (in a comment
    // or a string) do not make it data. NULs do (a script host stops reading there), unless a
    // BOM says the text is UTF-16.
    let big_wat = bytes.len() > MAX_WAT_BYTES && {
        let head = &bytes[..bytes.len().min(4096)];
        let head = String::from_utf8_lossy(head);
        let head = head.trim_start();
        head.starts_with("(module") || head.starts_with("(component")
    };
    let script = SCRIPT_EXTENSIONS.contains(&ext(name).as_str())
        && (!bytes.contains(&0)
            || bytes.starts_with(b"\xff\xfe")
            || bytes.starts_with(b"\xfe\xff"));
    if !script && !is_text(bytes) {
        return d(FileType::Binary);
    }
    let (text, decode_note) = crate::js::decode_source(bytes);
    let mut out = detect_text(name, &text);
    out.notes.extend(decode_note);
    if big_wat {
        out.partial = true;
        out.notes.push(format!(
            "WebAssembly text over {} MiB is not parsed as WebAssembly",
            MAX_WAT_BYTES >> 20
        ));
    }
    out
}

/// The largest WebAssembly text file analysed as WebAssembly.
const MAX_WAT_BYTES: usize = 4 << 20;

/// Extensions of the script files this tier runs.
const SCRIPT_EXTENSIONS: [&str; 12] = [
    "js", "jse", "mjs", "cjs", "html", "htm", "xhtml", "svg", "hta", "wsf", "py", "pyw",
];

/// A Windows executable: `MZ`, and the `PE\0\0` signature where the DOS header points (`MZ`
/// alone also begins text, `MZ=0;` is JavaScript).
fn is_pe(bytes: &[u8]) -> bool {
    let Some(at) = bytes.get(0x3c..0x40) else {
        return false;
    };
    let at = u32::from_le_bytes([at[0], at[1], at[2], at[3]]) as usize;
    bytes.starts_with(b"MZ") && bytes.get(at..at.saturating_add(4)) == Some(b"PE\0\0")
}

/// Text (any encoding a script host reads): a BOM, or few control bytes other than whitespace.
fn is_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xef\xbb\xbf")
        || bytes.starts_with(b"\xff\xfe")
        || bytes.starts_with(b"\xfe\xff")
    {
        return true;
    }
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    control * 100 <= sample.len()
}

fn detect_text(name: &str, text: &str) -> Detection {
    let e = ext(name);
    let head = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let lower_head: String = head
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut d = Detection {
        file_type: FileType::Javascript,
        environment: None,
        extracted: None,
        linked_scripts: Vec::new(),
        notes: Vec::new(),
        partial: false,
    };
    // A file named as a script runs as one, whatever its text looks like (WSH runs a `.js`
    // file that begins with `<!--` or holds `<hta:application>` in a comment as JScript).
    let js_file = matches!(e.as_str(), "js" | "jse" | "mjs" | "cjs");
    // Markup begins with a tag, a comment or a declaration; JavaScript cannot begin with `<`
    // and a letter (`<!--` begins both: an HTML-like comment in a script).
    let markup = !js_file
        && head.starts_with('<')
        && head[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '!' || c == '?');
    // A page named as one is one, whatever tags it holds (`<job>` in a comment).
    let page_file = matches!(e.as_str(), "html" | "htm" | "xhtml" | "svg");
    let host_markup = markup && !page_file;
    if host_markup && (lower_head.contains("<job") || lower_head.contains("<package")) || e == "wsf"
    {
        d.file_type = FileType::Wsf;
    } else if host_markup && lower_head.contains("<hta:application") || e == "hta" {
        d.file_type = FileType::Hta;
    } else if markup || page_file {
        d.file_type = FileType::Html;
    } else if matches!(e.as_str(), "py" | "pyw")
        || head.starts_with("#!") && head.lines().next().is_some_and(|l| l.contains("python"))
    {
        d.file_type = FileType::Python;
        return d;
    } else if matches!(e.as_str(), "vbs" | "vbe") || looks_like_vbscript(head) {
        d.file_type = FileType::Vbscript;
        return d;
    }
    match d.file_type {
        FileType::Javascript if is_encoded(head) => d.file_type = FileType::EncodedScript,
        FileType::Javascript => {
            d.environment = Some(js_environment(text));
            if has_encoded(text) {
                // The rest runs; what the encoded part does is not seen.
                d.partial = true;
                d.notes.push(
                    "part of the script is encoded by the Windows Script Encoder, which this \
                     tier does not decode"
                        .into(),
                );
            }
        }
        FileType::Html | FileType::Wsf | FileType::Hta => {
            let container = if d.file_type == FileType::Html {
                Container::Html
            } else {
                Container::WshHost
            };
            let Extracted {
                blocks: mut code,
                linked,
                vbs,
                searched,
            } = extract_scripts(text, container);
            if searched < text.len() {
                d.partial = true;
                d.notes.push(format!(
                    "only the first {searched} bytes were searched for scripts: finding them took \
                     longer than {} ms",
                    parse_budget(text.len()).as_millis()
                ));
            }
            let blocks = code.len();
            code.retain(|b| !has_encoded(b));
            let encoded = blocks - code.len();
            if encoded > 0 {
                d.partial = true;
            }
            d.linked_scripts = linked;
            if vbs > 0 {
                d.notes.push(format!("{vbs} VBScript block(s) not run"));
            }
            if encoded > 0 {
                d.notes.push(format!(
                    "{encoded} block(s) encoded by the Windows Script Encoder not run"
                ));
            }
            let nothing = code.iter().all(|b| b.trim().is_empty());
            if nothing && encoded > 0 {
                d.file_type = FileType::EncodedScript;
            } else if nothing && vbs > 0 && d.file_type != FileType::Html {
                d.file_type = FileType::Vbscript;
            } else {
                d.environment = Some(match (container, d.file_type) {
                    (Container::Html, _) => "browser",
                    (_, FileType::Hta) => "hta",
                    _ => "wsh",
                });
                d.extracted = Some(code);
            }
        }
        _ => {}
    }
    d
}

/// How much of a page's markup the browser environment builds into its DOM.
const PAGE_MARKUP_LIMIT: usize = 1 << 20;

/// A page's markup for the environment's DOM: decoded as its scripts were (a byte-order mark
/// decides), without comments (padding, decoy tags), at most [`PAGE_MARKUP_LIMIT`] bytes.
fn page_markup(bytes: &[u8]) -> String {
    let (text, _) = crate::js::decode_source(bytes);
    let mut out = String::with_capacity(text.len().min(PAGE_MARKUP_LIMIT));
    let mut rest = &text[..];
    while let Some(at) = rest.find("<!--") {
        out.push_str(&rest[..at]);
        rest = rest[at + 4..]
            .find("-->")
            .map_or("", |end| &rest[at + 4 + end + 3..]);
        if out.len() >= PAGE_MARKUP_LIMIT {
            break;
        }
    }
    out.push_str(rest);
    let mut end = out.len().min(PAGE_MARKUP_LIMIT);
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}

/// Script encoded by the Windows Script Encoder: `#@~^`, six characters of length, `==`.
fn is_encoded(text: &str) -> bool {
    text.strip_prefix("#@~^")
        .and_then(|rest| rest.get(6..8))
        .is_some_and(|eq| eq == "==")
}

/// Whether text holds script encoded by the Windows Script Encoder anywhere (its own output
/// begins `//**Start Encode**#@~^`).
fn has_encoded(text: &str) -> bool {
    text.match_indices("#@~^")
        .any(|(i, _)| is_encoded(&text[i..]))
}

fn looks_like_vbscript(head: &str) -> bool {
    let lower: String = head
        .chars()
        .take(8192)
        .collect::<String>()
        .to_ascii_lowercase();
    let vb = [
        "dim ",
        "on error resume next",
        "end sub",
        "end function",
        "wscript.createobject(",
        "set ",
    ];
    let js = [";", "{", "function", "var ", "let ", "const ", "=>"];
    vb.iter()
        .filter(|m| lower.lines().any(|l| l.trim_start().starts_with(*m)))
        .count()
        >= 2
        && js.iter().filter(|m| lower.contains(*m)).count() <= 1
}

/// Which emulated host a script was written for: Windows Script Host if it uses its objects,
/// Node if it uses Node's modules or process, else a browser page.
pub fn js_environment(text: &str) -> &'static str {
    let has = |m: &str| text.contains(m);
    if [
        "WScript.",
        "ActiveXObject",
        "GetObject(",
        "Scripting.FileSystemObject",
        "WScript)",
    ]
    .iter()
    .any(|m| has(m))
    {
        return "wsh";
    }
    let browser = [
        "document.",
        "window.",
        "navigator.",
        "localStorage",
        "location.",
        "self.addEventListener",
        "importScripts",
    ]
    .iter()
    .filter(|m| has(m))
    .count();
    let node = [
        "require(",
        "process.env",
        "process.argv",
        "process.platform",
        "__dirname",
        "child_process",
        "Buffer.from",
    ]
    .iter()
    .filter(|m| has(m))
    .count();
    if node > 0 && browser == 0 || node >= 3 && browser <= 1 {
        "node"
    } else {
        "browser"
    }
}

/// Where script blocks come from: their languages are named differently.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    /// An HTML page: `type` (a JavaScript MIME type, `module`, or empty), else `language`.
    Html,
    /// A WSF or HTA file: `language` (JScript), else `type`.
    WshHost,
}

/// JavaScript MIME type essences, as HTML lists them.
const JS_MIME: &[&str] = &[
    "application/ecmascript",
    "application/javascript",
    "application/x-ecmascript",
    "application/x-javascript",
    "text/ecmascript",
    "text/javascript",
    "text/javascript1.0",
    "text/javascript1.1",
    "text/javascript1.2",
    "text/javascript1.3",
    "text/javascript1.4",
    "text/javascript1.5",
    "text/jscript",
    "text/livescript",
    "text/x-ecmascript",
    "text/x-javascript",
];

/// Whether a block with these `type` and `language` attributes is JavaScript that runs, and
/// whether it is VBScript.
fn block_language(container: Container, ty: Option<&str>, language: Option<&str>) -> (bool, bool) {
    let ty = ty.map(|t| t.trim().to_ascii_lowercase());
    let language = language.map(|l| l.trim().to_ascii_lowercase());
    // The attribute that decides: in a page `type` when present (a browser ignores `language`
    // then), in WSH `language` when present.
    let deciding = match container {
        Container::Html => ty.as_ref().or(language.as_ref()),
        Container::WshHost => language.as_ref().or(ty.as_ref()),
    };
    if deciding.is_some_and(|v| v.contains("vbs")) {
        return (false, true);
    }
    let js = match container {
        Container::Html => match (ty.as_deref(), language.as_deref()) {
            (Some(""), _) | (None, None | Some("")) => true,
            (Some(t), _) => {
                let essence = t.split(';').next().unwrap_or("").trim();
                essence == "module" || JS_MIME.contains(&essence)
            }
            (None, Some(l)) => JS_MIME.contains(&format!("text/{l}").as_str()),
        },
        Container::WshHost => match language.as_deref().or(ty.as_deref()) {
            None | Some("") => true,
            Some(l) => {
                ["javascript", "jscript", "jscript.encode"].contains(&l) || JS_MIME.contains(&l)
            }
        },
    };
    (js, false)
}

/// The page's (or container's) scripts.
fn extract_scripts(text: &str, container: Container) -> Extracted {
    let mut blocks = Vec::new();
    let mut linked = Vec::new();
    let mut vbs = 0;
    let (elements, searched) = script_elements(text);
    for (attrs, body) in elements {
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let (js, is_vbs) = block_language(container, get("type"), get("language"));
        if is_vbs {
            vbs += 1;
            continue;
        }
        if !js {
            continue; // JSON, templates, other languages
        }
        if let Some(src) = get("src") {
            linked.push(src.to_string());
            continue;
        }
        let t = body.trim();
        match t
            .strip_prefix("<![CDATA[")
            .and_then(|b| b.strip_suffix("]]>"))
        {
            Some(inner) => blocks.push(inner.to_string()),
            None => blocks.push(body),
        }
    }
    Extracted {
        blocks,
        linked,
        vbs,
        searched,
    }
}

/// The scripts of a page or container.
struct Extracted {
    /// JavaScript blocks, in order.
    blocks: Vec<String>,
    /// URLs of linked scripts.
    linked: Vec<String>,
    /// VBScript blocks (not run).
    vbs: usize,
    /// Bytes of the text searched: all of it, unless that took too long.
    searched: usize,
}

/// The `<script>` elements of a page, in document order: attributes (names lower case, values
/// with their character references decoded) and text. The page is parsed by HTML's parser
/// (html5ever's tree builder), so scripts are found as a browser finds them: not in comments,
/// attribute values, `<template>`s or the text of `<title>`, `<textarea>`, `<style>` and the
/// like; inside SVG by SVG's rules (character references and CDATA sections); and a script's
/// text ends only at a real `</script>`. The scripts of `<iframe srcdoc>` documents follow,
/// two levels deep.
///
/// Also returns how many bytes of the page were parsed (all of it unless that took longer
/// than [`parse_budget`]).
#[allow(clippy::type_complexity)]
fn script_elements(text: &str) -> (Vec<(Vec<(String, String)>, String)>, usize) {
    let started = Instant::now();
    let (mut scripts, frames, searched) = parse_page(text, started);
    let mut frames: Vec<(String, u8)> = frames.into_iter().map(|f| (f, 1)).collect();
    while let Some((doc, depth)) = frames.pop() {
        let (more, inner, _) = parse_page(&doc, started);
        scripts.extend(more);
        if depth < 2 {
            frames.extend(inner.into_iter().map(|f| (f, depth + 1)));
        }
    }
    (scripts, searched)
}

/// Parses one document: its scripts, the `srcdoc` documents of its frames, and how many bytes
/// were parsed within the budget counted from `started`.
#[allow(clippy::type_complexity)]
fn parse_page(
    text: &str,
    started: Instant,
) -> (Vec<(Vec<(String, String)>, String)>, Vec<String>, usize) {
    use html5ever::tendril::{StrTendril, TendrilSink};
    use markup5ever_rcdom::{NodeData, RcDom};

    // Fed in parts, within a time budget: tokenizing a tag costs time quadratic in its number of
    // attributes (each is checked against the ones before), which a page can make huge.
    let mut parser = html5ever::parse_document(RcDom::default(), Default::default());
    let mut at = 0;
    while at < text.len() {
        let mut end = (at + PARSE_CHUNK).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&text[at..end]));
        at = end;
        if started.elapsed() > parse_budget(text.len()) {
            break;
        }
    }
    let dom = parser.finish();
    let attrs_of = |attrs: &[html5ever::Attribute]| -> Vec<(String, String)> {
        attrs
            .iter()
            .map(|a| (a.name.local.to_string(), a.value.to_string()))
            .collect()
    };
    let (mut scripts, mut frames) = (Vec::new(), Vec::new());
    // Depth first, in document order, without recursion (pages nest deeply).
    let mut stack = vec![dom.document.clone()];
    while let Some(node) = stack.pop() {
        if let NodeData::Element { name, attrs, .. } = &node.data {
            let ns = &*name.ns;
            let html = ns == "http://www.w3.org/1999/xhtml";
            let svg = ns == "http://www.w3.org/2000/svg";
            if &*name.local == "script" && (html || svg) {
                let mut body = String::new();
                for child in node.children.borrow().iter() {
                    if let NodeData::Text { contents } = &child.data {
                        body.push_str(&contents.borrow());
                    }
                }
                scripts.push((attrs_of(&attrs.borrow()), body));
                continue;
            }
            if html && &*name.local == "iframe" {
                let attrs = attrs.borrow();
                if let Some(doc) = attrs.iter().find(|a| &*a.name.local == "srcdoc") {
                    frames.push(doc.value.to_string());
                }
            }
        }
        let children = node.children.borrow();
        stack.extend(children.iter().rev().cloned());
    }
    (scripts, frames, at)
}

/// How much of a page is given to the parser at a time.
const PARSE_CHUNK: usize = 64 * 1024;
/// How long finding a page's scripts may take: 1 s, and 0.2 s more per MB (parsing ran at 11 MB/s
/// on a busy machine here). The rest of a page that takes longer is not searched; the analysis
/// says so, and such a page that showed nothing harmful is not analysed.
fn parse_budget(len: usize) -> Duration {
    Duration::from_secs(1) + Duration::from_millis((len / 5_000) as u64)
}

/// The name an uncaught `ReferenceError` names, if another emulated host defines it, and that host.
fn missing_host_name(stderr: &str) -> Option<(String, &'static str)> {
    let first = stderr.lines().next()?;
    let name = first
        .strip_prefix("ReferenceError: ")?
        .strip_suffix(" is not defined")?;
    let host = match name {
        "WScript" | "ActiveXObject" | "GetObject" | "Enumerator" | "VBArray" => "wsh",
        "require" | "process" | "module" | "exports" | "Buffer" | "__dirname" | "__filename"
        | "global" => "node",
        "window" | "document" | "navigator" | "location" | "localStorage" | "self" => "browser",
        _ => return None,
    };
    Some((name.to_string(), host))
}

/// Options of an [`Analyzer`].
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Wall-clock time per file. Default 2 s.
    pub timeout: Duration,
    /// Files larger than this are not read (refused from their metadata). Default 64 MiB.
    pub max_file_bytes: u64,
    /// The verdict rules file's text; `None` = the built-in rules.
    pub rules: Option<String>,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            timeout: Duration::from_secs(2),
            max_file_bytes: 64 << 20,
            rules: None,
        }
    }
}

/// The result of analysing one file.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The file's name as given.
    pub name: String,
    /// Its type.
    pub file_type: FileType,
    /// The full report (the run's report with `analysis` and `verdict` sections).
    pub report: Value,
    /// The verdict (also in the report).
    pub verdict: Verdict,
    /// Time taken, reading included.
    pub elapsed: Duration,
}

/// Analyses files: sandboxes and guests loaded once, shared by every file. `Send + Sync`.
pub struct Analyzer {
    sandbox: Sandbox,
    /// The sandbox JavaScript runs in: given, or (`None`) `sandbox` if it keeps
    /// [`JS_KEEP_RESIDENT`], else one made on the first script (see [`Analyzer::new`]).
    js_sandbox: Option<Sandbox>,
    rules: Rules,
    options: AnalyzeOptions,
    js: OnceLock<std::result::Result<Js, String>>,
    python: OnceLock<std::result::Result<Python, String>>,
}

/// The configuration of the sandboxes an [`Analyzer`] makes: no fuel metering (the timeout
/// bounds each file).
fn analyzer_config() -> SandboxConfig {
    SandboxConfig {
        fuel_metering: false,
        ..SandboxConfig::default()
    }
}

impl Analyzer {
    /// An analyzer with sandboxes of its own (no fuel metering: the timeout bounds each file).
    /// JavaScript needs 8 MiB of memory kept resident between files ([`JS_KEEP_RESIDENT`]:
    /// each analysis 2-20% faster, small scripts the most). Where that is not the default
    /// (kernels without `PAGEMAP_SCAN`, where it would make Python ~30% slower), JavaScript runs
    /// in a second sandbox that keeps it, made when the first script comes.
    pub fn new(options: AnalyzeOptions) -> Result<Analyzer> {
        let sandbox = Sandbox::new(analyzer_config())?;
        Analyzer::build(sandbox, None, options)
    }

    /// An analyzer over an existing sandbox, for every kind of file.
    pub fn with_sandbox(sandbox: Sandbox, options: AnalyzeOptions) -> Result<Analyzer> {
        let js = sandbox.clone();
        Analyzer::build(sandbox, Some(js), options)
    }

    /// An analyzer over existing sandboxes: `js_sandbox` for JavaScript (best made with
    /// [`JS_KEEP_RESIDENT`]), `sandbox` for the rest.
    pub fn with_sandboxes(
        sandbox: Sandbox,
        js_sandbox: Sandbox,
        options: AnalyzeOptions,
    ) -> Result<Analyzer> {
        Analyzer::build(sandbox, Some(js_sandbox), options)
    }

    fn build(
        sandbox: Sandbox,
        js_sandbox: Option<Sandbox>,
        options: AnalyzeOptions,
    ) -> Result<Analyzer> {
        let rules = match &options.rules {
            Some(text) => Rules::parse(text)?,
            None => Rules::builtin(),
        };
        Ok(Analyzer {
            sandbox,
            js_sandbox,
            rules,
            options,
            js: OnceLock::new(),
            python: OnceLock::new(),
        })
    }

    /// The rules in use.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// A `not_analysed` verdict for a file the caller chose not to read, saying why.
    pub fn refuse(&self, path: &Path, why: &str) -> Analysis {
        self.not_analysed(&path.display().to_string(), None, None, why, Instant::now())
    }

    /// Analyses a file. Never fails: a file that cannot be read is `not_analysed`, with why.
    pub fn analyze_path(&self, path: &Path) -> Analysis {
        let started = Instant::now();
        let name = path.display().to_string();
        match crate::read_bounded(path, self.options.max_file_bytes) {
            Ok(bytes) => {
                let mut a = self.analyze_bytes(&name, &bytes);
                a.elapsed = started.elapsed();
                a
            }
            Err(e) => self.not_analysed(&name, None, None, &e.to_string(), started),
        }
    }

    /// Analyses a file's bytes.
    pub fn analyze_bytes(&self, name: &str, bytes: &[u8]) -> Analysis {
        let started = Instant::now();
        let det = detect(name, bytes);
        if let Some(why) = det.file_type.not_analysed() {
            return self.not_analysed(name, Some(bytes), Some(det.file_type), why, started);
        }
        let run = match det.file_type {
            FileType::WasmModule | FileType::WasmComponent => self.run_wasm(name, bytes),
            FileType::Python => self.run_python(name, bytes),
            _ => self.run_js(name, bytes, &det),
        };
        let mut report = match run {
            Ok(r) => r,
            Err(why) => {
                return self.not_analysed(name, Some(bytes), Some(det.file_type), &why, started);
            }
        };
        let mut notes = det.notes.clone();
        let mut environment = det.environment;
        if let Some(note) = report.as_object_mut().and_then(|o| o.remove("rerun")) {
            environment = report
                .pointer("/emulation/environment")
                .and_then(Value::as_str)
                .and_then(|e| {
                    ["browser", "wsh", "node", "hta"]
                        .into_iter()
                        .find(|x| *x == e)
                });
            notes.extend(note.as_str().map(String::from));
        }
        if let Some(obj) = report.as_object_mut() {
            let sha = crate::sandbox::hex(&Sha256::digest(bytes));
            if let Some(input) = obj.get_mut("input").and_then(Value::as_object_mut) {
                if det.extracted.is_some() {
                    input.insert(
                        "script_sha256".into(),
                        input.get("sha256").cloned().unwrap_or(Value::Null),
                    );
                    input.insert(
                        "script_size".into(),
                        input.get("size").cloned().unwrap_or(Value::Null),
                    );
                }
                input.insert("name".into(), json!(name));
                input.insert("size".into(), json!(bytes.len()));
                input.insert("sha256".into(), json!(sha));
            }
            obj.insert(
                "analysis".into(),
                json!({
                    "file_type": det.file_type.as_str(),
                    "environment": environment,
                    "linked_scripts": det.linked_scripts,
                    "notes": notes,
                    "rules_sha256": self.rules.sha256(),
                }),
            );
            if det.partial {
                obj["analysis"]["partial"] = json!(true);
            }
        }
        self.finish(name, det.file_type, report, started)
    }

    fn finish(
        &self,
        name: &str,
        file_type: FileType,
        mut report: Value,
        started: Instant,
    ) -> Analysis {
        let verdict = self.rules.evaluate(&report);
        if let Some(obj) = report.as_object_mut() {
            obj.insert(
                "verdict".into(),
                serde_json::to_value(&verdict).unwrap_or(Value::Null),
            );
        }
        Analysis {
            name: name.to_string(),
            file_type,
            report,
            verdict,
            elapsed: started.elapsed(),
        }
    }

    fn not_analysed(
        &self,
        name: &str,
        bytes: Option<&[u8]>,
        file_type: Option<FileType>,
        why: &str,
        started: Instant,
    ) -> Analysis {
        let report = json!({
            "format": "airlock-report",
            "version": crate::REPORT_VERSION,
            "airlock_version": env!("CARGO_PKG_VERSION"),
            "wasmtime_version": crate::report::WASMTIME_VERSION,
            "input": {
                "name": name,
                "size": bytes.map(<[u8]>::len),
                "sha256": bytes.map(|b| crate::sandbox::hex(&Sha256::digest(b))),
            },
            "analysis": {
                "file_type": file_type.map(FileType::as_str),
                "not_analysed": why,
                "rules_sha256": self.rules.sha256(),
            },
        });
        self.finish(name, file_type.unwrap_or(FileType::Binary), report, started)
    }

    /// The analysis limits: the default ones with the analysis timeout.
    fn limits(&self) -> Limits {
        Limits {
            timeout: self.options.timeout,
            ..Limits::default()
        }
    }

    /// A traced run under the analysis limits and the default (nothing granted) policy.
    fn request(&self) -> RunRequest {
        let mut r = RunRequest::new(self.limits(), Policy::default());
        r.trace = TraceConfig {
            enabled: true,
            ..TraceConfig::default()
        };
        r
    }

    /// A run's report as JSON.
    fn report(
        &self,
        input: Input,
        outcome: &crate::Outcome,
        emulation: Option<&crate::emulation::Emulation>,
    ) -> std::result::Result<Value, String> {
        let report = Report::with_input(input, &self.limits(), &Policy::default(), outcome)
            .with_emulation(emulation);
        serde_json::to_value(&report).map_err(|e| e.to_string())
    }

    /// A guest runtime, found and loaded on first use (the error is kept, not retried).
    fn guest<'a, T>(
        &self,
        cell: &'a OnceLock<std::result::Result<T, String>>,
        kind: GuestKind,
        load: impl FnOnce(&guest::Guest) -> Result<T>,
    ) -> std::result::Result<&'a T, String> {
        cell.get_or_init(|| {
            let g = guest::find(kind, None).map_err(|e| e.to_string())?;
            load(&g).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| format!("the {} guest is not available: {e}", kind.as_str()))
    }

    fn run_js(
        &self,
        name: &str,
        bytes: &[u8],
        det: &Detection,
    ) -> std::result::Result<Value, String> {
        let js = self.guest(&self.js, GuestKind::Js, |g| {
            let sandbox = match &self.js_sandbox {
                Some(given) => given.clone(),
                None if self.sandbox.config().memory_keep_resident >= JS_KEEP_RESIDENT => {
                    self.sandbox.clone()
                }
                None => Sandbox::new(SandboxConfig {
                    memory_keep_resident: JS_KEEP_RESIDENT,
                    ..analyzer_config()
                })?,
            };
            Js::load(&sandbox, g)
        })?;
        let file = Path::new(name)
            .file_name()
            .map_or_else(|| name.to_string(), |f| f.to_string_lossy().into_owned());
        let script = match &det.extracted {
            // A page's (or HTA's) elements and inline handlers are built into the DOM, up to
            // PAGE_MARKUP_LIMIT bytes of it.
            Some(blocks) if matches!(det.file_type, FileType::Html | FileType::Hta) => {
                Script::blocks(file, blocks).in_page(page_markup(bytes))
            }
            Some(blocks) => Script::blocks(file, blocks),
            None => Script::file(file, bytes.to_vec()),
        };
        let env = det
            .environment
            .and_then(Environment::named)
            .unwrap_or(Environment::Browser);
        // A run in an environment: its report, and its stderr.
        let run_in = |env: &Environment| -> std::result::Result<(Value, String), String> {
            let run = js
                .run(&script, env, self.request())
                .map_err(|e| e.to_string())?;
            let report = self.report(
                Input::javascript(&script, js.guest()),
                &run.outcome,
                run.emulation.as_ref(),
            )?;
            Ok((report, run.outcome.stderr.text().into_owned()))
        };
        let (first, stderr) = run_in(&env)?;
        // A script that stops on a name another host defines was written for that host: it is
        // run there too (obfuscated scripts hide the names detection looks for). A page's blocks
        // are separate scripts, as in a browser, and are not.
        let Some((name, host)) = missing_host_name(&stderr) else {
            return Ok(first);
        };
        let other = match Environment::named(host) {
            Some(other) if det.extracted.is_none() && Some(host) != det.environment => other,
            _ => return Ok(first),
        };
        let (second, _) = run_in(&other)?;
        // The run that shows more is kept: a script can stop on another host's name on purpose,
        // after doing its work, to have that work thrown away.
        let (a, b) = (
            self.rules.evaluate(&first).score,
            self.rules.evaluate(&second).score,
        );
        let why = format!(
            "in the {} environment the script stopped on `{name}`",
            env.name()
        );
        let (mut kept, note) = if b >= a {
            (
                second,
                format!("run again in the {host} environment: {why} (score there {b}, {a} before)"),
            )
        } else {
            (
                first,
                format!(
                    "also run in the {host} environment, where it showed less (score {b}, here {a}): {why}"
                ),
            )
        };
        kept["rerun"] = json!(note);
        Ok(kept)
    }

    fn run_python(&self, name: &str, bytes: &[u8]) -> std::result::Result<Value, String> {
        let py = self.guest(&self.python, GuestKind::Python, |g| {
            Python::load(&self.sandbox, g)
        })?;
        let source = Source::file(name, bytes.to_vec());
        let outcome = py.run(&source, self.request()).map_err(|e| e.to_string())?;
        self.report(Input::python(&source, py.guest()), &outcome, None)
    }

    fn run_wasm(&self, name: &str, bytes: &[u8]) -> std::result::Result<Value, String> {
        let program = self
            .sandbox
            .load_bytes(name, bytes)
            .map_err(|e| e.to_string())?;
        let outcome = self
            .sandbox
            .run(&program, self.request())
            .map_err(|e| e.to_string())?;
        self.report(Input::program(&program), &outcome, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str, text: &str) -> FileType {
        detect(name, text.as_bytes()).file_type
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(ty("x", ""), FileType::Empty);
        assert_eq!(detect("a.js", b"\x7fELF\x02\x01").file_type, FileType::Elf);
        let mut pe = b"MZ\x90\0".to_vec();
        pe.resize(0x40, 0);
        pe[0x3c] = 0x40;
        pe.extend_from_slice(b"PE\0\0\x4c\x01");
        assert_eq!(detect("a.txt", &pe).file_type, FileType::Pe);
        // `MZ` alone begins text too.
        assert_eq!(
            detect("mz.js", b"MZ=0;location.href='https://x.example/'").file_type,
            FileType::Javascript
        );
        assert_eq!(
            detect("a", b"\xcf\xfa\xed\xfe\x07").file_type,
            FileType::MachO
        );
        assert_eq!(detect("a.js", b"PK\x03\x04xx").file_type, FileType::Archive);
        assert_eq!(
            detect("a.js", b"\0asm\x01\0\0\0").file_type,
            FileType::WasmModule
        );
        assert_eq!(
            detect("a.js", b"\0asm\x0d\0\x01\0").file_type,
            FileType::WasmComponent
        );
        // A damaged module is still typed a module; loading it says what is wrong.
        assert_eq!(
            detect("a.js", b"\0asm\x01\0\0\0\x99garbage").file_type,
            FileType::WasmModule
        );
        assert_eq!(
            detect("a.js", &[0u8, 1, 2, 3, 4, 5, 6, 7, 8][..]).file_type,
            FileType::Binary
        );
        assert_eq!(
            ty("page", "<!DOCTYPE html><html><script>x()</script>"),
            FileType::Html
        );
        assert_eq!(
            ty(
                "a.wsf",
                "<job><script language=\"JScript\">x()</script></job>"
            ),
            FileType::Wsf
        );
        assert_eq!(
            ty(
                "x",
                "<?xml version=\"1.0\"?>\n<package><job id=\"a\"></job></package>"
            ),
            FileType::Wsf
        );
        assert_eq!(
            ty("a.hta", "<html><head><hta:application id=x></head></html>"),
            FileType::Hta
        );
        assert_eq!(ty("a.py", "print(1)"), FileType::Python);
        assert_eq!(
            ty("run", "#!/usr/bin/env python3\nprint(1)"),
            FileType::Python
        );
        assert_eq!(ty("a.vbs", "MsgBox 1"), FileType::Vbscript);
        assert_eq!(
            ty(
                "x",
                "Dim a\nSet o = CreateObject(\"WScript.Shell\")\no.Run \"calc\"\n"
            ),
            FileType::Vbscript
        );
        assert_eq!(ty("x.js", "var a = 1;"), FileType::Javascript);
        // A file named as a script runs as one: WSH runs these as JScript.
        assert_eq!(
            ty("a.js", "// <hta:application>\nWScript.Echo(1)"),
            FileType::Javascript
        );
        assert_eq!(
            ty("a.js", "<!-- hidden\nrequire('child_process')"),
            FileType::Javascript
        );
        let ctrl = [b"/*".as_slice(), &[1u8; 200], b"*/ var a = 1;"].concat();
        assert_eq!(detect("a.js", &ctrl).file_type, FileType::Javascript);
        assert_eq!(detect("a.txt", &ctrl).file_type, FileType::Binary);
        // Markup is whatever begins with a tag, and SVG runs its scripts as a browser does.
        assert_eq!(
            ty("invoice.txt", "<p>Invoice</p><script>x()</script>"),
            FileType::Html
        );
        let svg = detect(
            "phish",
            b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script type=\"text/javascript\"><![CDATA[\nx()\n]]></script></svg>",
        );
        assert_eq!(svg.file_type, FileType::Html);
        assert_eq!(svg.extracted.unwrap()[0].trim(), "x()");
        // The Windows Script Encoder's output is not decoded: not analysed rather than benign.
        let encoded = "#@~^FgAAAA==@#@&x@*#xW@#@&OgYAAA==^#~@";
        assert_eq!(ty("a.jse", encoded), FileType::EncodedScript);
        assert_eq!(
            ty(
                "a.wsf",
                &format!("<job><script language=\"JScript.Encode\">{encoded}</script></job>")
            ),
            FileType::EncodedScript
        );
        let mixed = detect(
            "p.hta",
            format!("<script>a()</script><script language=\"JScript.Encode\">{encoded}</script>")
                .as_bytes(),
        );
        assert_eq!(mixed.file_type, FileType::Hta);
        assert_eq!(mixed.extracted.unwrap(), ["a()"]);
        assert!(
            mixed.notes[0].contains("1 block(s) encoded"),
            "{:?}",
            mixed.notes
        );
        assert_eq!(
            ty("t.wat", "(module (func (export \"_start\")))"),
            FileType::WasmModule
        );
        let big = format!("(module {})", ";; padding\n".repeat(MAX_WAT_BYTES / 10));
        let d = detect("t.wat", big.as_bytes());
        assert_ne!(d.file_type, FileType::WasmModule);
        assert!(d.partial && d.notes.iter().any(|n| n.contains("WebAssembly text over")));
        // A page named as one is one, whatever tags it holds.
        assert_eq!(
            ty("p.html", "<!-- <job> --><html><script>x()</script></html>"),
            FileType::Html
        );
        assert_eq!(
            ty("p.html", "<html><hta:application/></html>"),
            FileType::Html
        );
        // The Script Encoder's own output begins with a comment: the rest runs, in part.
        let d = detect(
            "se.js",
            b"//**Start Encode**#@~^FgAAAA==@#@&x@*#xW@#@&OgYAAA==^#~@\nWScript.Echo(1)",
        );
        assert_eq!(d.file_type, FileType::Javascript);
        assert!(d.partial && d.notes.iter().any(|n| n.contains("Script Encoder")));
    }

    #[test]
    fn scripts_get_the_environment_they_were_written_for() {
        assert_eq!(
            js_environment("var s = new ActiveXObject('WScript.Shell');"),
            "wsh"
        );
        assert_eq!(js_environment("WScript.Echo(1)"), "wsh");
        assert_eq!(
            js_environment("const cp = require('child_process'); cp.exec('id')"),
            "node"
        );
        assert_eq!(js_environment("document.title = 'x'"), "browser");
        assert_eq!(js_environment("1 + 1"), "browser");
        // A UMD bundle names require but is a browser library.
        assert_eq!(
            js_environment(
                "(function(g){if(typeof module==='object')module.exports=f();else window.lib=f()})(this); require('x')"
            ),
            "browser"
        );
    }

    #[test]
    fn pages_and_containers_give_their_scripts() {
        let d = detect(
            "p.html",
            b"<html><script src=\"https://cdn.example/a.js\"></script><script>var a=1</script><script type=\"application/json\">{}</script><SCRIPT language=VBScript>MsgBox 1</SCRIPT><script type=text/javascript>b()</script></html>",
        );
        assert_eq!(d.environment, Some("browser"));
        assert_eq!(
            d.linked_scripts,
            vec!["https://cdn.example/a.js".to_string()]
        );
        assert_eq!(d.extracted.unwrap(), vec!["var a=1", "b()"]);
        assert_eq!(d.notes, vec!["1 VBScript block(s) not run".to_string()]);
        let d = detect(
            "a.wsf",
            b"<job><script language=\"JScript\"><![CDATA[WScript.Echo(1)]]></script></job>",
        );
        assert_eq!((d.file_type, d.environment), (FileType::Wsf, Some("wsh")));
        assert_eq!(d.extracted.unwrap(), vec!["WScript.Echo(1)"]);
        let d = detect(
            "a.wsf",
            b"<job><script language=\"VBScript\">MsgBox 1</script></job>",
        );
        assert_eq!(d.file_type, FileType::Vbscript);
    }

    #[test]
    fn page_scripts_are_picked_as_browsers_pick_them() {
        let page = |tag: &str| {
            let text = format!("<html><body>{tag}P()</script></body></html>");
            detect("p.html", text.as_bytes())
                .extracted
                .unwrap_or_default()
        };
        for runs in [
            "<script>",
            "<script type=\"\">",
            "<script type=' text/JavaScript; charset=utf-8 '>",
            "<script type=application/x-javascript>",
            "<script type=module>",
            "<script language=\"JavaScript1.5\">",
            "<script language=\"\">",
            "<script data-x=\"a>b\">",
            "<script title=\" type=text/plain\">",
            "<script\ntype=\"text/javascript\"\n>",
        ] {
            assert_eq!(page(runs), vec!["P()"], "{runs}");
        }
        for skipped in [
            "<script type=\"text/plain\">",
            "<script type=\"application/json\">",
            "<script type=\"text/template\" language=\"javascript\">",
            "<script language=\"vbscript\">",
        ] {
            assert!(page(skipped).is_empty(), "{skipped}");
        }
        // `<scripts>` is not a script element.
        assert!(page("<scripts>x</scripts><script type=text/plain>").is_empty());
        // What a browser runs, where a search for `<script` went wrong: character references in
        // `type`; `type` deciding over `language`; quotes in names and unquoted values; decoy
        // `<script`s in a comment, an attribute and `<title>`; `</scripts>` inside a script.
        for runs in [
            "<script type=\"text&#47;javascript\">",
            "<script type=\"text/javascript\" language=\"vbscript\">",
            "<script data-x'>",
            "<script data-a=b\"c>",
            "<!-- <script> --><script>",
            "<div title=\"<script>\"></div><script>",
            "<title><script></title><script>",
            "<textarea><script></textarea><script>",
        ] {
            assert_eq!(page(runs), vec!["P()"], "{runs}");
        }
        assert_eq!(
            page("<script>var s = \"</scripts>\"; "),
            vec!["var s = \"</scripts>\"; P()"]
        );
        // Inside SVG, by SVG's rules: its <style>/<title> are not raw text, character
        // references and CDATA sections are decoded, `<script/>` is empty; and the documents of
        // `<iframe srcdoc>` run their scripts.
        let svg = |body: &str| {
            let text = format!("<html><body><svg>{body}</svg></body></html>");
            detect("p.html", text.as_bytes())
                .extracted
                .unwrap_or_default()
        };
        assert_eq!(svg("<style><script>P()</script></style>"), ["P()"]);
        assert_eq!(svg("<title><script>P()</script></title>"), ["P()"]);
        assert_eq!(svg("<script>&#80;()</script>"), ["P()"]);
        assert_eq!(svg("<script><![CDATA[P()]]></script>"), ["P()"]);
        assert_eq!(svg("<script/></svg><script>P()</script><svg>"), ["", "P()"]);
        assert_eq!(
            detect(
                "p.html",
                b"<iframe srcdoc=\"<script>P()</script><iframe srcdoc='<script>Q()</script>'>\"></iframe>"
            )
            .extracted
            .unwrap_or_default(),
            ["P()", "Q()"]
        );
        // A MathML <style> is raw text, and <template> contents do not run.
        assert!(svg("</svg><math><style><script>P()</script></style></math><svg>").is_empty());
        assert!(svg("</svg><template><script>P()</script></template><svg>").is_empty());
        // A tag with 300,000 attributes (tokenizing it costs time quadratic in their number):
        // the search stops at its budget, and says so.
        let attrs: String = (0..300_000).map(|i| format!(" a{i}")).collect();
        let text = format!("<div{attrs}></div><script>P()</script>");
        let started = Instant::now();
        let d = detect("p.html", text.as_bytes());
        // Unbounded, this takes minutes; a loaded machine may take a few seconds.
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        assert!(d.partial);
        assert!(
            d.notes[0].contains("were searched for scripts"),
            "{:?}",
            d.notes
        );
        // A broken tag does not hide the scripts after it.
        let text = "<div a=\"unterminated></div><script>Q()</script>";
        assert_eq!(
            detect("p.html", text.as_bytes())
                .extracted
                .unwrap_or_default(),
            Vec::<String>::new(),
            "an unterminated quote runs to the end of the document in a browser too"
        );
    }
}

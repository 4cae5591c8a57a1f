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
//! Nothing is downloaded but the pinned wheel; the host needs Python 3.9+ with `venv` once, to
//! run the build tool.

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
    let mut h = Sha256::new();
    for part in [WIT, MODULE, REQUIREMENTS] {
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
    Error::GuestUnavailable {
        guest: "python".into(),
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
fn run_tool(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd.output().map_err(|e| {
        unavailable(
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
        return Err(unavailable(
            format!("{what} failed ({}):\n{}", out.status, tail.join("\n")),
            "check access to PyPI and the message above; then run `airlock install python` again",
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
    let host_python = opts
        .host_python
        .clone()
        .or_else(|| std::env::var_os("AIRLOCK_BUILD_PYTHON").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("python3"));
    let tmp = tempfile::Builder::new()
        .prefix(".venv-")
        .tempdir_in(root)
        .map_err(io_err(root))?;
    progress(&format!(
        "creating a build environment with {}",
        host_python.display()
    ));
    run_tool(
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

/// Builds (or finds up to date) the Python guest. `progress` is told each step as it starts.
pub fn install_python(opts: &InstallOptions, progress: &mut dyn FnMut(&str)) -> Result<Installed> {
    let dest = match &opts.dest {
        Some(d) => d.clone(),
        None => crate::guest::user_dir(GuestKind::Python).ok_or_else(|| {
            Error::Config("no cache directory could be determined; set AIRLOCK_CACHE_DIR".into())
        })?,
    };
    let source_sha256 = python_source_sha256();
    if !opts.force
        && let Ok(guest) = Guest::open(GuestKind::Python, &dest, Origin::UserCache)
        && guest.manifest.source_sha256 == source_sha256
    {
        return Ok(Installed {
            guest,
            already: true,
        });
    }
    let parent = dest
        .parent()
        .ok_or_else(|| Error::Config(format!("{} has no parent directory", dest.display())))?
        .to_path_buf();
    private_dir(&parent)?;
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
    let component = out.join(COMPONENT_FILE);
    std::fs::rename(b.join(COMPONENT_FILE), &component).map_err(io_err(&component))?;
    let bytes = std::fs::read(&component).map_err(io_err(&component))?;
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
    let text =
        serde_json::to_string_pretty(&manifest).map_err(|e| Error::internal("manifest", e))?;
    let manifest_path = out.join(MANIFEST_FILE);
    std::fs::write(&manifest_path, text + "\n").map_err(io_err(&manifest_path))?;

    // Swap it into place: the old guest (if any) moves aside, then goes.
    let old = parent.join(format!(".old-{}", std::process::id()));
    let had_old = dest.exists();
    if had_old {
        std::fs::rename(&dest, &old).map_err(io_err(&dest))?;
    }
    std::fs::rename(&out, &dest).map_err(io_err(&dest))?;
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    let guest = Guest::open(GuestKind::Python, &dest, Origin::UserCache)
        .map_err(|why| unavailable(why, "report this as a bug in airlock"))?;
    Ok(Installed {
        guest,
        already: false,
    })
}

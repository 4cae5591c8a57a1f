//! Building CPython for WASI from source: the interpreter of airlock's Python guest.
//!
//! CPython 3.11.2 is the upstream release tarball in Debian bookworm's `python3.11` source
//! package (fetched with `apt-get source` through a private source list, checked against the
//! SHA-256 pinned here; Debian's patches are not applied). It is built with CPython's own WASI
//! recipe (`Tools/wasm/config.site-wasm32-wasi`) and Debian's WebAssembly toolchain (`clang-16`,
//! `lld-16`, `wasi-libc`, `libclang-rt-16-dev-wasm32`, installed with `apt-get` when missing,
//! which needs root), with the host's `python3.11` as the build Python (a cross build needs the
//! same minor version). The interpreter is then linked as a reactor with airlock's entry points
//! (`guests/python/glue.c`) instead of `main`. zlib 1.2.13, from Debian's `zlib` source package
//! (also pinned by SHA-256), is built first and linked in for the `zlib` module.
//!
//! The build tree is kept in the user cache (`build/`, about 250 MB, private to the user), so
//! that a change to airlock's guest module only takes a new snapshot; a change to the recipe
//! below builds afresh. The recipe is written for Debian bookworm, whose packages it pins; on
//! another system the install says so before it starts.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::guest::GuestKind;
use crate::install::io_err;

/// The CPython release built.
pub(crate) const CPYTHON_VERSION: &str = "3.11.2";

/// A Debian source package's orig tarball (the upstream release), pinned by SHA-256.
struct Source {
    package: &'static str,
    file: &'static str,
    sha256: &'static str,
    /// The directory it unpacks to.
    dir: &'static str,
}

/// CPython (`Python-3.11.2.tgz`).
const CPYTHON: Source = Source {
    package: "python3.11",
    file: "python3.11_3.11.2.orig.tar.gz",
    sha256: "2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849",
    dir: "Python-3.11.2",
};

/// zlib 1.2.13 (Debian's tarball leaves out zlib's `contrib`), for the `zlib` module and with
/// it `gzip`, `zipfile`'s compression and `tarfile`'s gzip.
const ZLIB: Source = Source {
    package: "zlib",
    file: "zlib_1.2.13.dfsg.orig.tar.bz2",
    sha256: "71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1",
    dir: "zlib-1.2.13.dfsg",
};

/// zlib's library sources.
const ZLIB_FILES: [&str; 15] = [
    "adler32", "compress", "crc32", "deflate", "gzclose", "gzlib", "gzread", "gzwrite", "infback",
    "inffast", "inflate", "inftrees", "trees", "uncompr", "zutil",
];

/// airlock's entry points, linked into the interpreter.
pub(crate) const GLUE: &str = include_str!("../../../guests/python/glue.c");

/// The Debian packages of the toolchain, each with a file that shows it is installed.
const TOOLCHAIN: [(&str, &str); 5] = [
    ("clang-16", "/usr/bin/clang-16"),
    ("lld-16", "/usr/bin/wasm-ld-16"),
    ("llvm-16", "/usr/bin/llvm-ar-16"),
    ("wasi-libc", "/usr/lib/wasm32-wasi/libc.a"),
    (
        "libclang-rt-16-dev-wasm32",
        "/usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a",
    ),
];

/// Other Debian packages the build runs (usually installed; not part of the recipe).
const HOST_TOOLS: [(&str, &str); 3] = [
    ("make", "/usr/bin/make"),
    ("bzip2", "/usr/bin/bzip2"),
    ("xz-utils", "/usr/bin/xz"),
];

/// The installed versions of the toolchain's compiler and C library, for the guest's manifest.
pub(crate) fn toolchain_versions() -> String {
    let version = |package: &str| {
        Command::new("dpkg-query")
            .args(["-W", "-f", "${Version}", package])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_else(|| "?".into())
    };
    format!(
        "clang-16 {}, wasi-libc {} (Debian)",
        version("clang-16"),
        version("wasi-libc")
    )
}

/// `configure`'s arguments and environment (part of the recipe's fingerprint).
const CONFIGURE_ENV: [(&str, &str); 8] = [
    ("CC", "clang-16 --target=wasm32-wasi"),
    ("CPP", "clang-16 --target=wasm32-wasi -E"),
    ("AR", "llvm-ar-16"),
    ("RANLIB", "llvm-ranlib-16"),
    // pkg-config must not offer the host's libraries (zlib, uuid) to a WebAssembly build.
    ("PKG_CONFIG_PATH", ""),
    ("PKG_CONFIG_LIBDIR", "/nonexistent"),
    // clang 16 makes these errors; CPython 3.11 was written for WASI SDK 16's clang 14, where
    // they are warnings (wasi-libc's clock ids are pointers).
    (
        "CFLAGS",
        "-Wno-error=int-conversion -Wno-error=incompatible-function-pointer-types",
    ),
    ("CONFIG_SITE", "../../Tools/wasm/config.site-wasm32-wasi"),
];
const CONFIGURE_ARGS: [&str; 4] = [
    "-q",
    "-C",
    "--host=wasm32-unknown-wasi",
    "--disable-test-modules",
];

/// The linked reactor, in the build tree.
const REACTOR: &str = "airlock-python.wasm";

/// What the build made.
pub(crate) struct Built {
    /// The interpreter as a reactor, with airlock's entry points.
    pub reactor: PathBuf,
    /// CPython's `Lib` directory.
    pub lib: PathBuf,
    /// The build's `sysconfig` data module (goes with the standard library).
    pub sysconfigdata: PathBuf,
}

/// A fingerprint of how the interpreter is built: the source, toolchain packages, the recipe
/// and the glue.
pub(crate) fn recipe_sha256() -> String {
    let mut h = Sha256::new();
    let mut part = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    part(CPYTHON.sha256);
    part(ZLIB.sha256);
    part(&ZLIB_FILES.join(","));
    for (package, _) in TOOLCHAIN {
        part(package);
    }
    for (k, v) in CONFIGURE_ENV {
        part(k);
        part(v);
    }
    for a in CONFIGURE_ARGS {
        part(a);
    }
    part(GLUE);
    crate::sandbox::hex(&h.finalize())
}

fn unavailable(reason: String, hint: &str) -> Error {
    crate::install::unavailable_guest(GuestKind::Python, reason, hint)
}

/// An error reading what the build made or fetched.
fn read_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| {
        unavailable(
            format!("cannot read {}: {e}", path.display()),
            "run `airlock install python --force` to build the guest afresh",
        )
    }
}

/// Runs a build step (see [`run_tool`](crate::install::run_tool)).
fn step(cmd: &mut Command, what: &str, log: Option<&Path>) -> Result<()> {
    crate::install::run_tool(
        GuestKind::Python,
        cmd,
        what,
        "check the message above (`airlock doctor` says what the build needs); then run `airlock install python` again",
        log,
    )
    .map(drop)
}

/// The toolchain's packages that are not installed.
pub(crate) fn missing_toolchain() -> Vec<&'static str> {
    TOOLCHAIN
        .iter()
        .chain(&HOST_TOOLS)
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect()
}

/// The build Python: `python3.11` on `PATH` (or `$AIRLOCK_BUILD_PYTHON` if it is a 3.11).
pub(crate) fn build_python(preferred: Option<&Path>) -> Result<PathBuf> {
    let candidates = preferred
        .map(Path::to_path_buf)
        .into_iter()
        .chain(std::env::var_os("AIRLOCK_BUILD_PYTHON").map(PathBuf::from))
        .chain(std::iter::once(PathBuf::from("python3.11")));
    for python in candidates {
        let version = Command::new(&python)
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            .output();
        if let Ok(out) = version
            && out.status.success()
            && String::from_utf8_lossy(&out.stdout).trim() == "3.11"
        {
            return Ok(python);
        }
    }
    Err(unavailable(
        "building CPython 3.11 for WASI needs a host Python 3.11 (`python3.11`), and none was found".into(),
        "install Python 3.11 (Debian: `apt-get install python3.11`), or set AIRLOCK_BUILD_PYTHON to one",
    ))
}

/// The Debian release whose packages the recipe pins (CPython 3.11.2, zlib 1.2.13, clang-16).
const DEBIAN_RELEASE: &str = "bookworm";

/// Checks that this machine runs the Debian release the recipe is written for.
fn debian_release() -> Result<()> {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let codename = release
        .lines()
        .find_map(|l| l.strip_prefix("VERSION_CODENAME="))
        .map(|c| c.trim_matches('"').to_string())
        .unwrap_or_default();
    if codename == DEBIAN_RELEASE {
        return Ok(());
    }
    Err(unavailable(
        format!(
            "building the Python guest needs Debian {DEBIAN_RELEASE} (its python3.11 and zlib sources and its clang-16 toolchain), and this machine is {}",
            if codename.is_empty() {
                "not Debian".to_string()
            } else {
                format!("`{codename}`")
            }
        ),
        "build the guest on Debian bookworm (a container will do) and copy its directory here, with --guest DIR or AIRLOCK_PYTHON_GUEST",
    ))
}

/// Makes `apt-get` wait for another package manager (a fresh machine's automatic updates)
/// rather than fail at once.
const APT_LOCK_WAIT: [&str; 2] = ["-o", "DPkg::Lock::Timeout=300"];

/// Installs the toolchain's missing packages with `apt-get` (as root; otherwise an error that
/// says what to install), and `python3.11` if no build Python is found.
fn toolchain(host_python: Option<&Path>, progress: &mut dyn FnMut(&str)) -> Result<()> {
    let mut missing = missing_toolchain();
    if build_python(host_python).is_err() {
        missing.push("python3.11");
    }
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    if !rustix::process::geteuid().is_root() {
        return Err(unavailable(
            format!(
                "building the Python guest needs these Debian packages, which are missing: {list}"
            ),
            &format!("run `sudo apt-get install {list}`, then `airlock install python` again"),
        ));
    }
    progress(&format!("installing {list} with apt-get"));
    let install = || {
        step(
            Command::new("apt-get")
                .args(APT_LOCK_WAIT)
                .args(["install", "-y", "-q", "--no-install-recommends"])
                .args(&missing)
                .env("DEBIAN_FRONTEND", "noninteractive"),
            "apt-get install",
            None,
        )
    };
    if install().is_err() {
        // A fresh machine may have no package lists yet.
        step(
            Command::new("apt-get")
                .args(APT_LOCK_WAIT)
                .args(["update", "-q"]),
            "apt-get update",
            None,
        )?;
        install()?;
    }
    Ok(())
}

/// Fetches the orig tarballs of `sources` into `dir` with `apt-get source --download-only`,
/// through a source list of its own (the system's Debian sources as `deb-src`), so that the
/// system's configuration is left as it is; checks each against its SHA-256.
fn fetch_sources(dir: &Path, sources: &[&Source], progress: &mut dyn FnMut(&str)) -> Result<()> {
    let missing: Vec<&str> = sources
        .iter()
        .filter(|s| !dir.join(s.file).is_file())
        .map(|s| s.package)
        .collect();
    if !missing.is_empty() {
        progress(&format!(
            "fetching the sources of {} from Debian (apt-get source)",
            missing.join(", ")
        ));
        let apt = dir.join("apt");
        let parts = apt.join("sources.list.d");
        for d in [
            parts.clone(),
            apt.join("lists/partial"),
            apt.join("cache/archives/partial"),
        ] {
            std::fs::create_dir_all(&d).map_err(io_err(&d))?;
        }
        let list = parts.join("airlock-deb-src.sources");
        std::fs::write(&list, deb_src_entries()?).map_err(io_err(&list))?;
        let options = |cmd: &mut Command| {
            cmd.arg("-o")
                .arg(format!("Dir::Etc::SourceParts={}", parts.display()))
                .arg("-o")
                .arg("Dir::Etc::SourceList=/dev/null")
                .arg("-o")
                .arg(format!("Dir::State::Lists={}", apt.join("lists").display()))
                .arg("-o")
                .arg(format!("Dir::Cache={}", apt.join("cache").display()))
                .arg("-o")
                .arg("Debug::NoLocking=1");
        };
        let mut update = Command::new("apt-get");
        options(&mut update);
        step(
            update.args(["update", "-q"]),
            "apt-get update (sources)",
            None,
        )?;
        let mut source = Command::new("apt-get");
        options(&mut source);
        let fetched = step(
            source
                .args(["source", "-q", "--download-only"])
                .args(&missing)
                .current_dir(dir),
            "apt-get source",
            None,
        );
        // Only the orig tarballs are needed (checked below): some mirrors refuse a package's
        // other files.
        if sources.iter().any(|s| !dir.join(s.file).is_file()) {
            fetched?;
        }
    }
    for source in sources {
        let tarball = dir.join(source.file);
        let bytes = std::fs::read(&tarball).map_err(read_err(&tarball))?;
        let sha = crate::sandbox::hex(&Sha256::digest(&bytes));
        if sha != source.sha256 {
            // Set aside, so that the next install fetches it again (a download cut short, a
            // full disk); the message tells what to do if it is Debian's file that changed.
            let aside = dir.join(format!("{}.bad", source.file));
            let _ = std::fs::rename(&tarball, &aside);
            return Err(unavailable(
                format!(
                    "{} has SHA-256 {sha}, expected {} (kept as {})",
                    source.file,
                    source.sha256,
                    aside.display()
                ),
                &format!(
                    "run `airlock install python` again to fetch it afresh; if it differs again, Debian's {} source package has changed: report this to airlock",
                    source.package
                ),
            ));
        }
    }
    Ok(())
}

/// The system's Debian package sources for the release the recipe pins, as `deb-src` entries
/// (deb822), from `/etc/apt`.
fn deb_src_entries() -> Result<String> {
    let mut sources = String::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir("/etc/apt/sources.list.d")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files.insert(0, PathBuf::from("/etc/apt/sources.list"));
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        match path.extension().and_then(|e| e.to_str()) {
            Some("sources") => sources.push_str(&deb822_as_src(&text)),
            Some("list") => sources.push_str(&list_as_src(&text)),
            _ if path.file_name().is_some_and(|n| n == "sources.list") => {
                sources.push_str(&list_as_src(&text))
            }
            _ => {}
        }
    }
    if sources.trim().is_empty() {
        return Err(unavailable(
            format!("no Debian {DEBIAN_RELEASE} package sources are configured in /etc/apt"),
            "configure apt's Debian sources, then run `airlock install python` again",
        ));
    }
    Ok(sources)
}

/// The stanzas of a deb822 `.sources` file that are the pinned Debian release's, as `deb-src`.
fn deb822_as_src(text: &str) -> String {
    let mut out = String::new();
    for stanza in text.split("\n\n") {
        let suites = stanza
            .lines()
            .find_map(|l| l.strip_prefix("Suites:"))
            .unwrap_or_default();
        let debs = stanza
            .lines()
            .find_map(|l| l.strip_prefix("Types:"))
            .is_some_and(|t| t.split_whitespace().any(|t| t == "deb"));
        let enabled = !stanza
            .lines()
            .any(|l| l.trim().eq_ignore_ascii_case("Enabled: no"));
        if !debs
            || !enabled
            || !suites
                .split_whitespace()
                .any(|s| s.starts_with(DEBIAN_RELEASE))
        {
            continue;
        }
        for line in stanza.lines() {
            if line.starts_with("Types:") {
                out.push_str("Types: deb-src");
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// The `deb` lines of a one-line `.list` file that are the pinned Debian release's, as deb822
/// `deb-src` stanzas.
fn list_as_src(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("deb ") else {
            continue;
        };
        // Options (`[arch=amd64 signed-by=...]`) come first.
        let (options, rest) = match rest.trim_start().strip_prefix('[') {
            Some(o) => o.split_once(']').unwrap_or((o, "")),
            None => ("", rest),
        };
        let mut fields = rest.split_whitespace();
        let (Some(uri), Some(suite)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !suite.starts_with(DEBIAN_RELEASE) {
            continue;
        }
        let components: Vec<&str> = fields.collect();
        out.push_str(&format!(
            "Types: deb-src\nURIs: {uri}\nSuites: {suite}\nComponents: {}\n",
            components.join(" ")
        ));
        if let Some(key) = options
            .split_whitespace()
            .find_map(|o| o.strip_prefix("signed-by="))
        {
            out.push_str(&format!("Signed-By: {key}\n"));
        }
        out.push('\n');
    }
    out
}

/// Unpacks `source`'s tarball in `dir` (afresh).
fn unpack(dir: &Path, source: &Source) -> Result<PathBuf> {
    let tree = dir.join(source.dir);
    if tree.exists() {
        std::fs::remove_dir_all(&tree).map_err(io_err(&tree))?;
    }
    step(
        // As root, tar would give the files the owners recorded in the tarball.
        Command::new("tar")
            .args(["--no-same-owner", "--no-same-permissions", "-xf"])
            .arg(dir.join(source.file))
            .arg("-C")
            .arg(dir),
        &format!("unpacking {}", source.file),
        None,
    )?;
    Ok(tree)
}

/// Builds zlib's static library for WASI in its unpacked tree `tree`.
fn build_zlib(tree: &Path) -> Result<()> {
    let mut objects = Vec::new();
    for name in ZLIB_FILES {
        let object = tree.join(format!("{name}.o"));
        step(
            Command::new("clang-16")
                .args([
                    "--target=wasm32-wasi",
                    "-O2",
                    "-DHAVE_UNISTD_H",
                    "-DHAVE_STDARG_H",
                ])
                .args(["-Wno-deprecated-non-prototype", "-c"])
                .arg(tree.join(format!("{name}.c")))
                .arg("-o")
                .arg(&object),
            &format!("compiling zlib's {name}.c"),
            None,
        )?;
        objects.push(object);
    }
    step(
        Command::new("llvm-ar-16")
            .arg("rcs")
            .arg(tree.join("libz.a"))
            .args(&objects),
        "archiving zlib",
        None,
    )
}

/// Builds (or finds built) the interpreter in `dir` (created if missing).
pub(crate) fn build(
    dir: &Path,
    host_python: Option<&Path>,
    progress: &mut dyn FnMut(&str),
) -> Result<Built> {
    // Private: root runs `configure` and `make` in it, and its `Lib` becomes every sandbox's.
    private_tree(dir)?;
    let source = dir.join(CPYTHON.dir);
    let wasi = source.join("builddir/wasi");
    let built = |reactor: PathBuf| -> Result<Built> {
        let pybuilddir = wasi.join("pybuilddir.txt");
        let rel = std::fs::read_to_string(&pybuilddir).map_err(read_err(&pybuilddir))?;
        let sysconfigdata = wasi
            .join(rel.trim())
            .join("_sysconfigdata__wasi_wasm32-wasi.py");
        Ok(Built {
            reactor,
            lib: source.join("Lib"),
            sysconfigdata,
        })
    };
    let reactor = wasi.join(REACTOR);
    let done = dir.join("built");
    if done.is_file() && reactor.is_file() {
        return built(reactor);
    }
    debian_release()?;
    toolchain(host_python, progress)?;
    let python = build_python(host_python)?;
    // A build that stops half-way is not taken for a finished one.
    if done.exists() {
        std::fs::remove_file(&done).map_err(io_err(&done))?;
    }
    fetch_sources(dir, &[&CPYTHON, &ZLIB], progress)?;
    progress("building zlib for WASI");
    let zlib = unpack(dir, &ZLIB)?;
    build_zlib(&zlib)?;
    unpack(dir, &CPYTHON)?;
    std::fs::create_dir_all(&wasi).map_err(io_err(&wasi))?;
    progress(&format!(
        "building CPython {CPYTHON_VERSION} for WASI with clang-16 (~3 min on 2 cores)"
    ));
    let mut configure = Command::new("../../configure");
    configure
        .args(CONFIGURE_ARGS)
        .arg("--build=".to_string() + &config_guess(&source)?)
        .arg(format!("--with-build-python={}", python.display()))
        .current_dir(&wasi);
    for (k, v) in CONFIGURE_ENV {
        configure.env(k, v);
    }
    configure
        .env("ZLIB_CFLAGS", format!("-I{}", zlib.display()))
        .env("ZLIB_LIBS", format!("-L{} -lz", zlib.display()));
    step(
        &mut configure,
        "configure",
        Some(&dir.join("configure.log")),
    )?;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    step(
        Command::new("make")
            .arg(format!("-j{jobs}"))
            .current_dir(&wasi),
        "make",
        Some(&dir.join("make.log")),
    )?;
    progress("linking the interpreter with airlock's entry points");
    let glue_c = dir.join("airlock-glue.c");
    std::fs::write(&glue_c, GLUE).map_err(io_err(&glue_c))?;
    let glue_o = dir.join("airlock-glue.o");
    step(
        Command::new("clang-16")
            .args(["--target=wasm32-wasi", "-c", "-O2", "-DNDEBUG"])
            .arg(format!("-I{}", source.join("Include").display()))
            .arg(format!("-I{}", source.join("Include/internal").display()))
            .arg(format!("-I{}", wasi.display()))
            .arg(&glue_c)
            .arg("-o")
            .arg(&glue_o),
        "compiling the glue",
        None,
    )?;
    // CPython's own link of python.wasm, as a reactor with the glue: its `main` stays unused.
    step(
        Command::new("make")
            .arg(format!("BUILDPYTHON={REACTOR}"))
            .arg(format!(
                "LINKFORSHARED=-mexec-model=reactor {}",
                glue_o.display()
            ))
            .arg(REACTOR)
            .current_dir(&wasi),
        "linking the reactor",
        Some(&dir.join("link.log")),
    )?;
    std::fs::write(&done, recipe_sha256()).map_err(io_err(&done))?;
    built(reactor)
}

/// `config.guess`'s name for the build machine.
fn config_guess(source: &Path) -> Result<String> {
    let script = source.join("config.guess");
    let out = Command::new(&script).output().map_err(read_err(&script))?;
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || name.is_empty() {
        return Err(unavailable(
            format!("{} failed ({})", script.display(), out.status),
            "run `airlock install python --force` to build the guest afresh",
        ));
    }
    Ok(name)
}

/// Creates a directory private to this user, or makes an existing one private.
fn private_tree(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    crate::install::private_dir(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_err(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_releases_sources_become_deb_src_stanzas() {
        let list = "deb http://deb.debian.org/debian bookworm main contrib\n\
                    # deb http://old/debian bookworm main\n\
                    deb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm-updates main\n\
                    deb http://deb.debian.org/debian trixie main\n\
                    deb-src http://deb.debian.org/debian bookworm main\n";
        assert_eq!(
            list_as_src(list),
            "Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main contrib\n\n\
             Types: deb-src\nURIs: http://m/debian\nSuites: bookworm-updates\nComponents: main\nSigned-By: /k.gpg\n\n"
        );
        let deb822 = "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n\
                      Types: deb\nURIs: https://other.example/apt\nSuites: stable\nComponents: main\n\n\
                      Types: deb deb-src\nURIs: http://security.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nEnabled: no\n";
        assert_eq!(
            deb822_as_src(deb822),
            "Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n"
        );
    }
}

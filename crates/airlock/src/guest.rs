//! Finding installed guest runtimes: the Python interpreter component and its standard library,
//! the QuickJS module.
//!
//! A guest is a directory holding a `guest.json` manifest, the runtime's WebAssembly file, and
//! its data if it has any (for Python, the standard library mounted read-only at `/python`).
//! Directories are searched in this order, and the first that holds a valid guest wins (shown
//! for Python; JavaScript is the same with `js`):
//!
//! 1. the path given explicitly (`--guest PATH` on the command line);
//! 2. the environment variable (`AIRLOCK_PYTHON_GUEST`, `AIRLOCK_JS_GUEST`);
//! 3. the user cache: `guests/python` under [`cache::default_dir`](crate::cache::default_dir),
//!    where `airlock install python` puts it;
//! 4. system-wide: `/usr/local/share/airlock/guests/python`, then
//!    `/usr/share/airlock/guests/python`.
//!
//! A path given explicitly (1 or 2) that holds no valid guest is an error, not a reason to look
//! elsewhere: the user asked for that one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The manifest format written by this version of airlock.
pub const MANIFEST_FORMAT: u32 = 1;

/// The manifest file in a guest directory.
pub const MANIFEST_FILE: &str = "guest.json";

/// Which guest runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestKind {
    /// CPython 3.11, built for WASI from source and pre-initialized.
    Python,
    /// QuickJS-NG (a WASI preview 1 reactor module).
    Js,
}

impl GuestKind {
    /// The name used in paths and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            GuestKind::Python => "python",
            GuestKind::Js => "js",
        }
    }

    /// The environment variable naming this guest's directory.
    pub fn env_var(self) -> &'static str {
        match self {
            GuestKind::Python => "AIRLOCK_PYTHON_GUEST",
            GuestKind::Js => "AIRLOCK_JS_GUEST",
        }
    }

    /// The command that installs this guest.
    pub fn install_hint(self) -> String {
        match self {
            GuestKind::Python => "run `airlock install python` to build it".into(),
            GuestKind::Js => "run `airlock install js` to fetch it".into(),
        }
    }
}

/// What `guest.json` says about an installed guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestManifest {
    /// Manifest format ([`MANIFEST_FORMAT`]).
    pub format: u32,
    /// Which runtime.
    pub guest: GuestKind,
    /// SHA-256 of the sources it was built from (airlock's guest module, glue and the
    /// pinned build requirements): tells whether this airlock would build the same guest.
    pub source_sha256: String,
    /// The interpreter inside, e.g. `3.11.2`.
    pub runtime_version: String,
    /// The tools that built it, e.g. `clang-16 1:16.0.6-15~deb12u1, wasi-libc ... (Debian),
    /// wasmtime-wizer 48`.
    pub builder: String,
    /// The guest's WebAssembly file (a core module), relative to the guest directory.
    pub component: String,
    /// SHA-256 of the component file, in hex.
    pub component_sha256: String,
    /// Size of the component file in bytes.
    pub component_size: u64,
    /// The data directory mounted read-only into the guest, relative to the guest directory;
    /// empty if the guest has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data_dir: String,
    /// Where the data directory is mounted in the guest; empty if there is none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data_mount: String,
}

/// Where a guest directory was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Given explicitly by the caller (`--guest`).
    Explicit,
    /// Named by the environment variable.
    Environment,
    /// The user cache.
    UserCache,
    /// A system-wide directory.
    System,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Origin::Explicit => "--guest",
            Origin::Environment => "environment variable",
            Origin::UserCache => "user cache",
            Origin::System => "system-wide",
        })
    }
}

/// An installed guest: its directory and manifest, checked to be complete.
#[derive(Debug, Clone)]
pub struct Guest {
    /// The guest directory.
    pub dir: PathBuf,
    /// How it was found.
    pub origin: Origin,
    /// Its manifest.
    pub manifest: GuestManifest,
}

impl Guest {
    /// The component file.
    pub fn component_path(&self) -> PathBuf {
        self.dir.join(&self.manifest.component)
    }

    /// The data directory mounted into the guest.
    pub fn data_path(&self) -> PathBuf {
        self.dir.join(&self.manifest.data_dir)
    }

    /// Reads and checks the guest in `dir` (without hashing the component: its size must match,
    /// and its hash is checked whenever it is read to be compiled).
    pub fn open(kind: GuestKind, dir: &Path, origin: Origin) -> std::result::Result<Guest, String> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let text = match std::fs::read_to_string(&manifest_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(if dir.is_dir() {
                    format!("{} has no {MANIFEST_FILE}", dir.display())
                } else {
                    format!("{} does not exist", dir.display())
                });
            }
            Err(e) => return Err(format!("cannot read {}: {e}", manifest_path.display())),
        };
        let manifest: GuestManifest = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a valid manifest: {e}", manifest_path.display()))?;
        if manifest.format != MANIFEST_FORMAT {
            return Err(format!(
                "{} has manifest format {}, this airlock reads {MANIFEST_FORMAT}",
                manifest_path.display(),
                manifest.format
            ));
        }
        if manifest.guest != kind {
            return Err(format!(
                "{} holds a {} guest, not {}",
                dir.display(),
                manifest.guest.as_str(),
                kind.as_str()
            ));
        }
        for rel in [&manifest.component, &manifest.data_dir] {
            if Path::new(rel).is_absolute() || rel.split('/').any(|c| c == "..") {
                return Err(format!(
                    "{}: path {rel:?} leaves the guest directory",
                    manifest_path.display()
                ));
            }
        }
        let guest = Guest {
            dir: dir.to_path_buf(),
            origin,
            manifest,
        };
        match std::fs::metadata(guest.component_path()) {
            Ok(md) if md.len() == guest.manifest.component_size => {}
            Ok(md) => {
                return Err(format!(
                    "{} is {} bytes, its manifest says {}",
                    guest.component_path().display(),
                    md.len(),
                    guest.manifest.component_size
                ));
            }
            Err(e) => {
                return Err(format!(
                    "cannot read {}: {e}",
                    guest.component_path().display()
                ));
            }
        }
        if !guest.manifest.data_dir.is_empty() && !guest.data_path().is_dir() {
            return Err(format!("{} is missing", guest.data_path().display()));
        }
        Ok(guest)
    }
}

/// The user-cache directory of a guest (where `airlock install` puts it), if a cache directory
/// can be determined.
pub fn user_dir(kind: GuestKind) -> Option<PathBuf> {
    crate::cache::default_dir().map(|d| d.join("guests").join(kind.as_str()))
}

/// The system-wide directories searched, in order.
pub fn system_dirs(kind: GuestKind) -> Vec<PathBuf> {
    [
        "/usr/local/share/airlock/guests",
        "/usr/share/airlock/guests",
    ]
    .iter()
    .map(|d| Path::new(d).join(kind.as_str()))
    .collect()
}

/// Every place searched, in order, with what was found there (for `airlock doctor`).
pub fn search(
    kind: GuestKind,
    explicit: Option<&Path>,
) -> Vec<(PathBuf, Origin, std::result::Result<Guest, String>)> {
    let mut places = Vec::new();
    if let Some(p) = explicit {
        places.push((p.to_path_buf(), Origin::Explicit));
    }
    if let Some(p) = std::env::var_os(kind.env_var()).filter(|v| !v.is_empty()) {
        places.push((PathBuf::from(p), Origin::Environment));
    }
    if let Some(p) = user_dir(kind) {
        places.push((p, Origin::UserCache));
    }
    places.extend(system_dirs(kind).into_iter().map(|p| (p, Origin::System)));
    places
        .into_iter()
        .map(|(dir, origin)| {
            let found = Guest::open(kind, &dir, origin);
            (dir, origin, found)
        })
        .collect()
}

/// Finds the guest to use: the first valid one in search order. A path given explicitly (or by
/// the environment variable) must hold a valid guest.
pub fn find(kind: GuestKind, explicit: Option<&Path>) -> Result<Guest> {
    let mut looked = Vec::new();
    for (dir, origin, found) in search(kind, explicit) {
        match found {
            Ok(g) => return Ok(g),
            Err(why) if matches!(origin, Origin::Explicit | Origin::Environment) => {
                let named = match origin {
                    Origin::Explicit => "--guest".to_string(),
                    _ => kind.env_var().to_string(),
                };
                return Err(Error::GuestUnavailable {
                    guest: kind.as_str().into(),
                    reason: format!("{named} points to {}: {why}", dir.display()),
                    hint: kind.install_hint(),
                });
            }
            Err(_) => looked.push(dir.display().to_string()),
        }
    }
    Err(Error::GuestUnavailable {
        guest: kind.as_str().into(),
        reason: format!("not installed (looked in {})", looked.join(", ")),
        hint: kind.install_hint(),
    })
}

//! On-disk cache of compiled code.
//!
//! An entry is addressed by the SHA-256 of the WebAssembly binary, its kind, and a fingerprint
//! of the engine (wasmtime version and every setting that changes generated code, as given by
//! `Engine::precompile_compatibility_hash`). Entries are written to a temporary file and renamed
//! into place, so concurrent processes never see a half-written entry, and no airlock process
//! ever writes into an entry in place (clearing unlinks), so an entry that is mapped stays valid.
//! Each entry has a sidecar with its length: an entry of another length is deleted and
//! recompiled, and wasmtime checks the header (version and settings) of what it loads.
//!
//! Entries are memory-mapped, not read: the Python guest's compiled code is ~60 MB, and reading
//! or checksumming it would cost several milliseconds of every start (a whole `airlock python`
//! run is meant to take under 10 ms). Corruption in place is the file system's business.
//!
//! Loading compiled code means trusting it, so the cache is private: its directories are created
//! with mode 0700 and a directory that is not owned by the current user or that others can write
//! is not used at all (nothing is read from it or written to it). Guests can never write into it:
//! the sandbox refuses a writable mount that contains the cache directory.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const FORMAT: &str = "airlock-cache 2";

/// Where the cache lives unless configured: `$AIRLOCK_CACHE_DIR`, else the user's cache
/// directory (`~/.cache/airlock` on Linux).
pub fn default_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("AIRLOCK_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    dirs::cache_dir().map(|d| d.join("airlock"))
}

/// Figures about a cache directory.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CacheInfo {
    /// The cache directory.
    pub dir: PathBuf,
    /// Entries usable by the current engine settings.
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Entries left by other airlock/wasmtime versions or settings.
    pub stale_entries: u64,
    /// Their total size in bytes.
    pub stale_bytes: u64,
}

/// A compiled-code cache directory for one engine fingerprint.
#[derive(Debug, Clone)]
pub struct DiskCache {
    root: PathBuf,
    dir: PathBuf,
}

/// Creates `dir` (and parents) if needed, with mode 0700 for what is created, and checks that it
/// is a directory owned by the current user that nobody else can write.
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let md = fs::symlink_metadata(dir)?;
    let me = rustix::process::geteuid().as_raw();
    if !md.is_dir() || md.uid() != me || md.mode() & 0o022 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a private directory of this user (owner uid {}, mode {:o}); not used as a cache",
                dir.display(),
                md.uid(),
                md.mode() & 0o7777
            ),
        ));
    }
    Ok(())
}

impl DiskCache {
    /// A cache under `root` for engines with this fingerprint.
    pub fn new(root: PathBuf, fingerprint: &str) -> Self {
        let dir = root.join(fingerprint);
        DiskCache { root, dir }
    }

    /// The cache's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn paths(&self, key: &str) -> (PathBuf, PathBuf) {
        (
            self.dir.join(format!("{key}.cwasm")),
            self.dir.join(format!("{key}.sum")),
        )
    }

    /// Returns the path of an entry whose length matches its sidecar, or `None` (after deleting
    /// a damaged entry). Nothing is used from a directory that is not private to the current
    /// user, nor an entry file that others could write.
    pub fn lookup(&self, key: &str) -> Option<PathBuf> {
        use std::os::unix::fs::MetadataExt;
        private_dir(&self.dir).ok()?;
        let (code, sum) = self.paths(key);
        let expected = fs::read_to_string(&sum).ok()?;
        match fs::symlink_metadata(&code) {
            Ok(md) if md.is_file() && md.mode() & 0o022 == 0 && sum_text(md.len()) == expected => {
                Some(code)
            }
            _ => {
                self.remove(key);
                None
            }
        }
    }

    /// Whether an entry exists (without checking it): tells a caller that loading will be fast.
    pub fn contains(&self, key: &str) -> bool {
        self.paths(key).0.is_file()
    }

    /// Deletes an entry (used when it fails to load).
    pub fn remove(&self, key: &str) {
        let (code, sum) = self.paths(key);
        let _ = fs::remove_file(sum);
        let _ = fs::remove_file(code);
    }

    /// Stores an entry atomically.
    pub fn store(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        private_dir(&self.dir)?;
        let (code, sum) = self.paths(key);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(bytes)?;
        tmp.persist(&code).map_err(|e| e.error)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(sum_text(bytes.len() as u64).as_bytes())?;
        tmp.persist(&sum).map_err(|e| e.error)?;
        Ok(())
    }

    /// Counts entries, current and stale.
    pub fn info(&self) -> io::Result<CacheInfo> {
        let mut info = CacheInfo {
            dir: self.root.clone(),
            ..CacheInfo::default()
        };
        let rd = match fs::read_dir(&self.root) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(info),
            Err(e) => return Err(e),
        };
        for sub in rd {
            let sub = sub?;
            if !sub.file_type()?.is_dir() {
                continue;
            }
            let current = sub.path() == self.dir;
            for f in fs::read_dir(sub.path())? {
                let f = f?;
                if f.path().extension().is_some_and(|e| e == "cwasm") {
                    let len = f.metadata()?.len();
                    if current {
                        info.entries += 1;
                        info.bytes += len;
                    } else {
                        info.stale_entries += 1;
                        info.stale_bytes += len;
                    }
                }
            }
        }
        Ok(info)
    }

    /// Removes every entry of every fingerprint: the `.cwasm` and `.sum` files (and temporary
    /// files left by interrupted writes) in the root's subdirectories, then those subdirectories if
    /// empty. Nothing else is touched, so a mistaken `AIRLOCK_CACHE_DIR` cannot wipe a directory.
    /// Returns the number of entries removed.
    pub fn clear(&self) -> io::Result<u64> {
        let rd = match fs::read_dir(&self.root) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        for sub in rd {
            let sub = sub?;
            if !sub.file_type()?.is_dir() {
                continue;
            }
            for f in fs::read_dir(sub.path())? {
                let path = f?.path();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
                match ext.as_deref() {
                    Some("cwasm") => {
                        fs::remove_file(&path)?;
                        removed += 1;
                    }
                    Some("sum") => fs::remove_file(&path)?,
                    _ if name.starts_with(".tmp") => fs::remove_file(&path)?,
                    _ => {}
                }
            }
            // Only succeeds if nothing else was in it.
            let _ = fs::remove_dir(sub.path());
        }
        Ok(removed)
    }
}

fn sum_text(len: u64) -> String {
    format!("{FORMAT}\nlen {len}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_self_healing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(dir.path().to_path_buf(), "fp");
        assert!(cache.lookup("k").is_none());
        cache.store("k", b"compiled code").expect("store");
        let p = dir.path().join("fp").join("k.cwasm");
        assert_eq!(cache.lookup("k").expect("hit"), p);
        assert_eq!(fs::read(&p).expect("read"), b"compiled code");

        // Truncate the entry: the lookup misses and deletes it.
        fs::write(&p, b"compiled").expect("truncate");
        assert!(cache.lookup("k").is_none());
        assert!(!p.exists());

        // An entry others could write is not used.
        cache.store("k", b"compiled code").expect("store");
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o666)).expect("chmod");
        }
        assert!(cache.lookup("k").is_none());

        cache.store("k", b"x").expect("store");
        DiskCache::new(dir.path().to_path_buf(), "old")
            .store("k", b"yy")
            .expect("store");
        let info = cache.info().expect("info");
        assert_eq!(
            (
                info.entries,
                info.bytes,
                info.stale_entries,
                info.stale_bytes
            ),
            (1, 1, 1, 2)
        );
        fs::write(dir.path().join("precious.txt"), "keep").expect("write");
        fs::write(dir.path().join("fp").join("precious.txt"), "keep").expect("write");
        assert_eq!(cache.clear().expect("clear"), 2);
        assert_eq!(cache.info().expect("info").entries, 0);
        // Only cache files were removed.
        assert!(dir.path().join("precious.txt").exists());
        assert!(dir.path().join("fp").join("precious.txt").exists());
        assert!(!dir.path().join("old").exists());
    }

    #[test]
    fn a_directory_others_can_write_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::new(dir.path().to_path_buf(), "fp");
        cache.store("k", b"code").expect("store");
        assert!(cache.lookup("k").is_some());
        fs::set_permissions(dir.path().join("fp"), fs::Permissions::from_mode(0o777))
            .expect("chmod");
        assert!(
            cache.lookup("k").is_none(),
            "entries in a world-writable directory are not trusted"
        );
        assert!(cache.store("k", b"code").is_err());
    }
}

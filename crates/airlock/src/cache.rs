//! On-disk cache of compiled code.
//!
//! An entry is addressed by the SHA-256 of the WebAssembly binary, its kind, and a fingerprint
//! of the engine (wasmtime version and every setting that changes generated code, as given by
//! `Engine::precompile_compatibility_hash`). Entries are written to a temporary file and renamed
//! into place, so concurrent processes never see a half-written entry. Each entry has a sidecar
//! with its length and an XXH3-128 checksum, verified before the code is loaded: a truncated or
//! corrupt entry is deleted and recompiled.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

const FORMAT: &str = "airlock-cache 1";

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

    /// Returns the path of a verified entry, or `None` (after deleting a damaged entry).
    pub fn lookup(&self, key: &str) -> Option<PathBuf> {
        let (code, sum) = self.paths(key);
        let expected = fs::read_to_string(&sum).ok()?;
        match verify(&code, &expected) {
            Ok(true) => Some(code),
            Ok(false) | Err(_) => {
                self.remove(key);
                None
            }
        }
    }

    /// Deletes an entry (used when it fails to load).
    pub fn remove(&self, key: &str) {
        let (code, sum) = self.paths(key);
        let _ = fs::remove_file(sum);
        let _ = fs::remove_file(code);
    }

    /// Stores an entry atomically.
    pub fn store(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let (code, sum) = self.paths(key);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(bytes)?;
        tmp.persist(&code).map_err(|e| e.error)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(sum_text(bytes.len() as u64, checksum(bytes)).as_bytes())?;
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

    /// Removes every entry of every fingerprint. Returns the number of entries removed.
    pub fn clear(&self) -> io::Result<u64> {
        let info = self.info()?;
        match fs::remove_dir_all(&self.root) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(info.entries + info.stale_entries)
    }
}

fn checksum(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

fn sum_text(len: u64, sum: u128) -> String {
    format!("{FORMAT}\nlen {len}\nxxh3-128 {sum:032x}\n")
}

fn verify(code: &Path, expected: &str) -> io::Result<bool> {
    let mut f = fs::File::open(code)?;
    let len = f.metadata()?.len();
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut seen = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        seen += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok(seen == len && sum_text(len, hasher.digest128()) == expected)
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
        let p = cache.lookup("k").expect("hit");
        assert_eq!(fs::read(&p).expect("read"), b"compiled code");

        // Truncate the entry: the lookup misses and deletes it.
        fs::write(&p, b"compiled").expect("truncate");
        assert!(cache.lookup("k").is_none());
        assert!(!p.exists());

        // Corrupt an entry of the same length.
        cache.store("k", b"compiled code").expect("store");
        fs::write(&p, b"compiled cod3").expect("corrupt");
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
        assert_eq!(cache.clear().expect("clear"), 2);
        assert_eq!(cache.info().expect("info").entries, 0);
    }
}

//! QuickJS's host modules (`qjs:std`, `qjs:os`, `qjs:bjson`) under names a script cannot guess.
//!
//! QuickJS registers its host modules by name when it starts, and any code can `import()` them
//! by that name: deleting the globals that `--std` makes does not take them out of reach. From
//! them a script in an emulated environment could run code unrecorded (`std.evalScript`), write
//! to the event channel, or load crafted bytecode (`bjson.read`, which is not memory-safe) and
//! take over the driver. So airlock renames them in the QuickJS binary before compiling it, to
//! names drawn from a secret kept in the compiled-code cache (or made per process without one):
//! the bootstrap still gets them from the globals `--std` makes, and scripts cannot name them.
//!
//! The names are rewritten in place, byte for byte, where QuickJS's data holds them: the C
//! strings QuickJS registers and the `--std` module source that imports them. `std` keeps its
//! last three letters (the command-line parser's `"std"` shares them), so its name has four
//! secret characters (62^4, about 24 bits; a failed `import()` costs microseconds, and runs last
//! seconds); `os` has six and `bjson`, the dangerous one, nine.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The module names as the pinned QuickJS-NG build has them, and how many leading bytes of each
/// are replaced.
const MODULES: [(&str, usize); 3] = [("qjs:std", 4), ("qjs:os", 6), ("qjs:bjson", 9)];

/// The names QuickJS's host modules get in this cache's QuickJS build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostModuleNames {
    names: Vec<(String, String)>,
}

impl HostModuleNames {
    /// The names drawn from `secret`.
    pub(crate) fn from_secret(secret: &[u8]) -> HostModuleNames {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let names = MODULES
            .iter()
            .map(|&(name, secret_len)| {
                let digest = Sha256::new()
                    .chain_update(secret)
                    .chain_update(name.as_bytes())
                    .finalize();
                let prefix: String = digest[..secret_len]
                    .iter()
                    .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
                    .collect();
                (name.to_string(), format!("{prefix}{}", &name[secret_len..]))
            })
            .collect();
        HostModuleNames { names }
    }

    /// A short text that names this renaming, for cache keys.
    pub(crate) fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for (from, to) in &self.names {
            h.update(from.as_bytes());
            h.update([0]);
            h.update(to.as_bytes());
            h.update([0]);
        }
        crate::sandbox::hex(&h.finalize()[..8])
    }

    /// The QuickJS binary with its host modules renamed. Every name must be where the pinned
    /// build has it (once as a C string, once in the `--std` source), or the binary is refused.
    pub(crate) fn apply(&self, mut wasm: Vec<u8>) -> Result<Vec<u8>> {
        for (from, to) in &self.names {
            for (pattern, replacement) in [
                (format!("\0{from}\0"), format!("\0{to}\0")),
                (format!("'{from}'"), format!("'{to}'")),
            ] {
                let at = find_all(&wasm, pattern.as_bytes());
                if at.len() != 1 {
                    return Err(Error::Config(format!(
                        "the JavaScript guest's QuickJS holds {:?} {} times (expected once): not the \
                         build airlock pins; reinstall it with `airlock install js --force`",
                        pattern.trim_matches('\0'),
                        at.len()
                    )));
                }
                wasm[at[0]..at[0] + pattern.len()].copy_from_slice(replacement.as_bytes());
            }
        }
        Ok(wasm)
    }
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// The secret the names are drawn from: kept in the compiled-code cache (private to the user),
/// so that the compiled QuickJS and its snapshots stay valid across processes; without a cache,
/// or when it cannot be written, one for this process.
pub(crate) fn secret(cache: Option<&crate::cache::DiskCache>) -> Vec<u8> {
    const KEY: &str = "js-host-modules-secret";
    let Some(cache) = cache else {
        return process_secret();
    };
    let valid = |text: &str| text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(path) = cache.lookup(KEY)
        && let Ok(text) = std::fs::read_to_string(path)
        && valid(&text)
    {
        return text.into_bytes();
    }
    // Two processes may both make one: the last stored wins, and the other's compiled code is
    // only not found by the next processes (they compile again).
    let fresh = crate::js::token();
    match cache.store(KEY, fresh.as_bytes()) {
        Ok(()) => fresh.into_bytes(),
        Err(_) => process_secret(),
    }
}

fn process_secret() -> Vec<u8> {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(crate::js::token).as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_length_and_differ_by_secret() {
        let a = HostModuleNames::from_secret(b"one");
        let b = HostModuleNames::from_secret(b"two");
        assert_ne!(a, b);
        assert_eq!(a, HostModuleNames::from_secret(b"one"));
        for (from, to) in &a.names {
            assert_eq!(from.len(), to.len());
            assert_ne!(from, to);
            assert!(to.bytes().all(|c| c.is_ascii_alphanumeric() || c == b':'));
        }
        assert!(a.names[0].1.ends_with("std"));
    }

    #[test]
    fn a_binary_without_the_names_once_each_is_refused() {
        let names = HostModuleNames::from_secret(b"s");
        let ok = b"\0qjs:std\0qjs:os\0qjs:bjson\0 'qjs:bjson' 'qjs:std' 'qjs:os'".to_vec();
        let out = names.apply(ok.clone()).unwrap();
        assert_eq!(out.len(), ok.len());
        assert!(find_all(&out, b"qjs:").is_empty());
        let twice = [ok.as_slice(), b"\0qjs:os\0"].concat();
        assert!(names.apply(twice).is_err());
        assert!(names.apply(b"nothing".to_vec()).is_err());
    }
}

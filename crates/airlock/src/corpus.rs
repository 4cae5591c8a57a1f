//! Labelled corpora (`labels.json` as in `tests/corpus/js`): how a sample's expected indicators
//! are compared with what a run extracted, as the corpus README says (URL prefixes, parent DNS
//! zones, case- and whitespace-insensitive commands, paths with `%TEMP%`-style placeholders).

use serde_json::Value;

/// The emulator's values of the Windows placeholders the labels use.
const WINDOWS: [(&str, &str); 6] = [
    ("%LOCALAPPDATA%", r"C:\Users\user\AppData\Local"),
    ("%APPDATA%", r"C:\Users\user\AppData\Roaming"),
    ("%TEMP%", r"C:\Users\user\AppData\Local\Temp"),
    ("%PROGRAMDATA%", r"C:\ProgramData"),
    ("%USERPROFILE%", r"C:\Users\user"),
    ("%PUBLIC%", r"C:\Users\Public"),
];
/// The Node environment's values of `os.homedir()` and `os.tmpdir()`.
const NODE: [(&str, &str); 2] = [("%HOME%", "/home/user"), ("%TMPDIR%", "/tmp")];

/// The indicator kinds labels list, in order.
pub const KINDS: [&str; 5] = [
    "urls",
    "domains",
    "commands",
    "files_written",
    "registry_keys",
];

/// Replaces the environment's paths by the labels' placeholders (longest value first).
pub fn placeholders(s: &str, environment: &str) -> String {
    let mut table: Vec<(&str, &str)> = if environment == "node" {
        NODE.to_vec()
    } else {
        WINDOWS.to_vec()
    };
    table.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    let mut out = s.to_string();
    for (k, v) in table {
        out = out.replace(v, k);
    }
    out
}

/// An expected URL matches an observed one if equal, or a prefix followed by `?`, `&` or `#`
/// (or ending in `/`, `?`, `=` or `&`).
pub fn url_matches(expected: &str, observed: &str) -> bool {
    if expected == observed {
        return true;
    }
    match observed.strip_prefix(expected) {
        Some(rest) => rest.starts_with(['?', '&', '#']) || expected.ends_with(['/', '?', '=', '&']),
        None => false,
    }
}

/// An expected domain matches itself and its subdomains.
pub fn domain_matches(expected: &str, observed: &str) -> bool {
    observed == expected || observed.ends_with(&format!(".{expected}"))
}

/// Case-insensitive, whitespace-collapsed equality.
pub fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// What a run extracted against what a label expects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Expected indicators, all kinds.
    pub expected: usize,
    /// Of those, found.
    pub found: usize,
    /// `kind: value` of each expected indicator not found.
    pub missing: Vec<String>,
    /// `kind: value` of each observed indicator no label value matches.
    pub extra: Vec<String>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Compares a label's `expected_iocs` with a report's `emulation.indicators` (JSON) for a run
/// in `environment`.
pub fn compare(expected: &Value, indicators: &Value, environment: &str) -> Comparison {
    let field = |kind: &str, f: &str| -> Vec<String> {
        indicators[kind]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x[f].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let place = |v: Vec<String>| v.iter().map(|s| placeholders(s, environment)).collect();
    type Matcher = fn(&str, &str) -> bool;
    let lists: [(&str, Vec<String>, Matcher); 5] = [
        ("urls", strings(&indicators["urls"]), url_matches),
        ("domains", strings(&indicators["domains"]), domain_matches),
        (
            "commands",
            place(strings(&indicators["commands"])),
            same_text,
        ),
        (
            "files_written",
            place(field("files_written", "path")),
            same_text,
        ),
        ("registry_keys", field("registry", "key"), same_text),
    ];
    let mut c = Comparison::default();
    for (kind, seen, matches) in lists {
        let want = strings(&expected[kind]);
        c.expected += want.len();
        for w in &want {
            if seen.iter().any(|s| matches(w, s)) {
                c.found += 1;
            } else {
                c.missing.push(format!("{kind}: {w}"));
            }
        }
        for s in &seen {
            if !want.iter().any(|w| matches(w, s)) {
                c.extra.push(format!("{kind}: {s}"));
            }
        }
    }
    c
}

/// The host a label's `host:` technique names (`browser` if none).
pub fn label_host(label: &Value) -> &str {
    label["techniques"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|t| t.strip_prefix("host:"))
        .unwrap_or("browser")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_comparison_follows_the_corpus_rules() {
        assert!(url_matches(
            "https://a.example/collect",
            "https://a.example/collect?cc=1"
        ));
        assert!(url_matches(
            "https://a.example/c/",
            "https://a.example/c/4111"
        ));
        assert!(!url_matches("https://a.example/c", "https://a.example/cc"));
        assert!(domain_matches("d.oast.example", "x1.d.oast.example"));
        assert!(!domain_matches("d.oast.example", "xd.oast.example"));
        assert!(same_text("cmd  /c   WHOAMI", "cmd /c whoami"));
        assert_eq!(
            placeholders(r"C:\Users\user\AppData\Local\Temp\a.exe", "wsh"),
            r"%TEMP%\a.exe"
        );
        let c = compare(
            &json!({ "urls": ["https://a.example/x"], "files_written": [r"%TEMP%\a.exe"] }),
            &json!({ "urls": ["https://a.example/x?y=1", "https://b.example/"],
                     "files_written": [{ "path": r"C:\Users\user\AppData\Local\Temp\A.EXE" }] }),
            "wsh",
        );
        assert_eq!((c.expected, c.found), (2, 2));
        assert_eq!(c.extra, vec!["urls: https://b.example/".to_string()]);
    }
}

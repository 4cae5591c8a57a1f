//! JavaScript in the sandbox: plain semantics, emulated environments, bad input and hostile
//! scripts. Needs the guest: `airlock install js` (the README's test command runs it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;
use std::time::Duration;

use airlock::emulation::Emulation;
use airlock::guest::{self, GuestKind};
use airlock::js::{Environment, Js, JsRun, Script};
use airlock::{Limits, MIB, Policy, RunRequest, Sandbox, SandboxConfig, Status, TraceConfig};

fn js() -> &'static Js {
    static J: OnceLock<Js> = OnceLock::new();
    J.get_or_init(|| {
        let guest = guest::find(GuestKind::Js, None)
            .expect("the JavaScript guest is installed (run `airlock install js`)");
        let sandbox = Sandbox::new(SandboxConfig::default()).expect("sandbox");
        Js::load(&sandbox, &guest).expect("load the JavaScript guest")
    })
}

fn run_with(script: &Script, env: &Environment, limits: Limits, policy: Policy) -> JsRun {
    js().run(script, env, RunRequest::new(limits, policy))
        .expect("run")
}

fn run(code: &str) -> JsRun {
    run_with(
        &Script::inline(code),
        &Environment::Plain,
        Limits::default(),
        Policy::default(),
    )
}

fn run_env(code: &str, env: Environment) -> JsRun {
    run_with(
        &Script::file("sample.js", code),
        &env,
        Limits::default(),
        Policy::default(),
    )
}

fn stdout(r: &JsRun) -> String {
    r.outcome.stdout.text().into_owned()
}

fn stderr(r: &JsRun) -> String {
    r.outcome.stderr.text().into_owned()
}

fn exited(r: &JsRun) -> i32 {
    match r.outcome.status {
        Status::Exited { code } => code,
        ref other => panic!("expected an exit, got {other:?}; stderr: {}", stderr(r)),
    }
}

fn emulation(r: &JsRun) -> &Emulation {
    r.emulation
        .as_ref()
        .expect("an environment reports what it saw")
}

fn short(ms: u64) -> Limits {
    Limits {
        timeout: Duration::from_millis(ms),
        ..Limits::default()
    }
}

/// The next sandbox is unaffected by whatever the previous one did.
fn next_is_fine() {
    let r = run("console.log('still fine')");
    assert_eq!(exited(&r), 0);
    assert_eq!(stdout(&r), "still fine\n");
}

#[test]
fn console_goes_to_the_captured_streams_and_the_exit_code_is_zero() {
    let r = run("console.log('out', 6 * 7); console.error('err')");
    assert_eq!(exited(&r), 0);
    assert_eq!(stdout(&r), "out 42\n");
    assert_eq!(stderr(&r), "err\n");
    assert!(r.emulation.is_none(), "plain JavaScript emulates nothing");
}

#[test]
fn an_uncaught_exception_prints_message_and_stack_and_exits_1() {
    let script = Script::file(
        "boom.js",
        "function f() {\n  throw new TypeError('boom');\n}\nf();\n",
    );
    let r = run_with(
        &script,
        &Environment::Plain,
        Limits::default(),
        Policy::default(),
    );
    assert_eq!(exited(&r), 1);
    let err = stderr(&r);
    assert!(err.starts_with("TypeError: boom\n"), "{err}");
    assert!(err.contains("at f (boom.js:2:"), "{err}");
    assert!(
        !err.contains("<cmdline>"),
        "the driver's frames are not shown: {err}"
    );
    let r = run("throw 42");
    assert_eq!(exited(&r), 1);
    assert!(stderr(&r).contains("Uncaught 42"), "{}", stderr(&r));
}

#[test]
fn promise_jobs_and_timers_run_after_the_top_level() {
    let r = run(
        "setTimeout(() => console.log('t2'), 20);
         setTimeout(() => console.log('t1'), 10);
         Promise.resolve().then(() => console.log('job'));
         (async () => { await null; console.log('async'); })();
         let n = 0; const id = setInterval(() => { if (++n === 3) { clearInterval(id); console.log('interval x3'); } }, 5);
         console.log('top');",
    );
    assert_eq!(exited(&r), 0);
    // At 10 ms the interval (rescheduled at 5 ms) fires after `t1` (scheduled at 0), as in a
    // browser; its third run is at 15 ms.
    assert_eq!(stdout(&r), "top\njob\nasync\nt1\ninterval x3\nt2\n");
}

#[test]
fn arguments_reach_the_script_and_plain_javascript_has_quickjs_host_modules() {
    let policy = Policy {
        args: vec!["a".into(), "b c".into()],
        ..Policy::default()
    };
    let r = run_with(
        &Script::file(
            "args.js",
            "console.log(JSON.stringify(scriptArgs), typeof std.open, typeof os.readdir, typeof bjson.read)",
        ),
        &Environment::Plain,
        Limits::default(),
        policy,
    );
    assert_eq!(
        stdout(&r),
        "[\"args.js\",\"a\",\"b c\"] function function function\n",
        "{}",
        stderr(&r)
    );
}

#[test]
fn emulated_environments_keep_quickjs_host_modules_out_of_reach() {
    // By their documented names, or as globals: a script that had them could run code
    // unrecorded (std.evalScript), write to the event channel, or load crafted bytecode.
    let code = "var names = ['qjs:std', 'qjs:os', 'qjs:bjson', 'std', 'os', 'bjson'];
         Promise.all(names.map(function (n) {
           return import(n).then(function () { return n + ' reachable'; }, function () { return 'no'; });
         })).then(function (r) {
           WScript.Echo(r.join(',') + ' ' + typeof std + typeof os + typeof bjson);
         });";
    let r = run_env(code, Environment::Wsh);
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    assert_eq!(
        stdout(&r),
        "no,no,no,no,no,no undefinedundefinedundefined\n"
    );
}

#[test]
fn syntax_errors_binary_garbage_and_non_utf8_give_a_status() {
    let r = run("var = ;");
    assert_eq!(exited(&r), 1);
    assert!(stderr(&r).contains("SyntaxError"), "{}", stderr(&r));

    let garbage: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let r = run_with(
        &Script::file("garbage.bin", garbage),
        &Environment::Wsh,
        Limits::default(),
        Policy::default(),
    );
    assert_eq!(exited(&r), 1);
    assert!(stderr(&r).contains("SyntaxError"), "{}", stderr(&r));
    assert!(emulation(&r).notes.iter().any(|n| n.contains("Latin-1")));

    let r = run_with(
        &Script::file(
            "latin1.js",
            b"console.log('caf\xE9'.length, 'caf\xE9' === 'caf\\u00e9')".to_vec(),
        ),
        &Environment::Plain,
        Limits::default(),
        Policy::default(),
    );
    assert_eq!(stdout(&r), "4 true\n");
    next_is_fine();
}

#[test]
fn a_50_mb_script_runs_or_hits_the_memory_limit_cleanly() {
    let mut code = String::from("var big = '");
    code.push_str(&"x".repeat(50 << 20));
    code.push_str("';\nconsole.log(big.length);\n");
    let script = Script::file("big.js", code);
    // QuickJS holds the source several times over while it parses a 50 MB literal: more than
    // the default 256 MiB. The run ends cleanly, with the error on stderr.
    let r = run_with(
        &script,
        &Environment::Browser,
        short(30_000),
        Policy::default(),
    );
    match &r.outcome.status {
        Status::Exited { code: 0 } => assert_eq!(stdout(&r), format!("{}\n", 50 << 20)),
        Status::Exited { code: 1 } => {
            assert!(stderr(&r).contains("out of memory"), "{}", stderr(&r))
        }
        Status::MemoryLimit { .. } => {}
        other => panic!("{other:?}: {}", stderr(&r)),
    }
    next_is_fine();
    let limits = Limits {
        memory_bytes: 1 << 30,
        ..short(30_000)
    };
    let r = run_with(&script, &Environment::Browser, limits, Policy::default());
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    assert_eq!(stdout(&r), format!("{}\n", 50 << 20));
}

#[test]
fn infinite_loops_time_out_and_keep_what_was_seen_before() {
    let r = run_with(
        &Script::file(
            "loop.js",
            "new ActiveXObject('WScript.Shell').Run('calc.exe'); for (;;) {}",
        ),
        &Environment::Wsh,
        short(500),
        Policy::default(),
    );
    assert!(
        matches!(r.outcome.status, Status::Timeout { limit_ms: 500 }),
        "{:?}",
        r.outcome.status
    );
    assert_eq!(emulation(&r).indicators.commands, vec!["calc.exe"]);
    next_is_fine();
}

#[test]
fn delay_loops_and_sleeps_do_not_burn_the_time_budget() {
    let r = run_with(
        &Script::file(
            "wait.js",
            "var t = Date.now(); while (Date.now() - t < 600000) {}
             WScript.Sleep(3600 * 1000);
             var d = new Date(); WScript.Echo(String(d.getTime() - t >= 3600 * 1000 + 600000));",
        ),
        &Environment::Wsh,
        short(5_000),
        Policy::default(),
    );
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    assert_eq!(stdout(&r), "true\n");
}

#[test]
fn deep_recursion_gives_a_status_and_the_next_run_is_fine() {
    let r = run("function f(n) { return f(n + 1) + 1 } f(0)");
    assert!(
        matches!(
            r.outcome.status,
            Status::Trap { .. } | Status::Exited { code: 1 }
        ),
        "{:?}",
        r.outcome.status
    );
    next_is_fine();
}

#[test]
fn memory_hogs_and_output_floods_are_stopped() {
    let limits = Limits {
        memory_bytes: 64 * MIB,
        ..Limits::default()
    };
    let r = run_with(
        &Script::inline("var a = []; for (;;) a.push('x'.repeat(1 << 20) + a.length);"),
        &Environment::Plain,
        limits,
        Policy::default(),
    );
    assert!(
        matches!(
            r.outcome.status,
            Status::MemoryLimit { .. } | Status::Exited { code: 1 } | Status::Trap { .. }
        ),
        "{:?}",
        r.outcome.status
    );
    assert!(r.outcome.resources.peak_memory_bytes <= 64 * MIB);
    let limits = Limits {
        max_output_bytes: 1 << 20,
        ..Limits::default()
    };
    let r = run_with(
        &Script::inline("for (;;) console.log('x'.repeat(10000))"),
        &Environment::Plain,
        limits,
        Policy::default(),
    );
    assert!(
        matches!(r.outcome.status, Status::OutputLimit { .. }),
        "{:?}",
        r.outcome.status
    );
    next_is_fine();
}

#[test]
fn the_host_is_out_of_reach() {
    let r = run(
        "console.log(std.open('/etc/passwd', 'r'), std.getenv('HOME'), std.getenv('PATH'));
         console.log(typeof os.exec, JSON.stringify(os.readdir('/')[0]));",
    );
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    assert_eq!(stdout(&r), "null undefined undefined\nundefined []\n");
}

#[test]
fn stack_traces_do_not_hand_the_script_the_drivers_functions() {
    // QuickJS's call sites give every frame's function; a `toString` the driver calls runs with
    // the driver's `emit` (which holds the channel's token) on the stack.
    let r = run_env(
        "var got = [];
         Error.prepareStackTrace = function (e, sites) { return sites; };
         var probe = { toString: function () {
           var s = new Error().stack;
           for (var i = 0; i < s.length; i++) { var f = s[i].getFunction(); if (f) got.push(f); }
           return 'probe';
         } };
         WScript.Echo(probe);
         Error.prepareStackTrace = function (e, sites) { return e.message + ' at ' + sites[0].getFunctionName(); };
         function named() { return new Error('custom').stack; }
         WScript.Echo(got.length + ' ' + named());
         for (var i = 0; i < got.length; i++) {
           try { got[i]('process', 'WScript.Shell.Run', ['forged.exe'], { command: 'forged.exe' }); } catch (e) {}
         }
         new ActiveXObject('WScript.Shell').Run('real.exe');",
        Environment::Wsh,
    );
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    assert_eq!(stdout(&r), "probe\n0 custom at named\n");
    assert_eq!(emulation(&r).indicators.commands, vec!["real.exe"]);
}

#[test]
fn dynamic_code_is_recorded_once_per_text_and_run() {
    let r = run_env(
        "for (var i = 0; i < 3; i++) eval('var x' + (i % 2) + ' = 1');
         Function('return 6 * 7')();
         setTimeout('console.log(\"from a string\")', 10);",
        Environment::Browser,
    );
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    assert_eq!(stdout(&r), "from a string\n");
    let s = &emulation(&r).indicators.snippets;
    let texts: Vec<(&str, &str, u64)> = s
        .iter()
        .map(|s| (s.kind.as_str(), s.text.as_str(), s.count))
        .collect();
    assert!(texts.contains(&("eval", "var x0 = 1", 2)), "{texts:?}");
    assert!(texts.contains(&("eval", "var x1 = 1", 1)), "{texts:?}");
    assert!(
        texts.contains(&("Function", "return 6 * 7", 1)),
        "{texts:?}"
    );
    assert!(
        texts.contains(&("setTimeout", "console.log(\"from a string\")", 1)),
        "{texts:?}"
    );
}

#[test]
fn long_dynamic_code_is_hashed_whole_and_kept_from_its_start() {
    // Over 64 Ki UTF-16 units, code reaches the host in parts: the hash and size must still be
    // those of the whole text, also where a part would end inside a surrogate pair (the emoji
    // straddles the first part's end).
    let code = format!(
        "//{}\u{1F600}\nvar r = '';\n{}",
        "x".repeat(65533),
        "r += '\u{e9}';\n".repeat(20_000)
    );
    let script = format!(
        "var code = {};\neval(code);\neval(code);\nconsole.log(r.length);",
        serde_json::to_string(&code).unwrap()
    );
    let r = run_env(&script, Environment::Browser);
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    assert_eq!(stdout(&r), "20000\n");
    let e = emulation(&r);
    assert_eq!(e.dropped_lines, 0);
    let evals: Vec<_> = e
        .indicators
        .snippets
        .iter()
        .filter(|s| s.kind == "eval")
        .collect();
    assert_eq!(evals.len(), 1, "{evals:?}");
    let s = evals[0];
    use sha2::Digest;
    assert_eq!(
        s.sha256,
        airlock_hex(&sha2::Sha256::digest(code.as_bytes()))
    );
    assert_eq!(s.size, code.len() as u64);
    assert_eq!(s.count, 2);
    assert!(s.truncated);
    assert!(s.text.len() <= 16 * 1024 && s.text.len() > 16 * 1024 - 4);
    assert!(code.starts_with(&s.text));
}

fn airlock_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn dynamic_code_with_a_lone_surrogate_is_recorded() {
    // No UTF-8 carries a lone surrogate: it is recorded as U+FFFD rather than the event lost.
    let r = run_env("eval('1 + 1 /* \\ud800 */');", Environment::Browser);
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    let e = emulation(&r);
    assert_eq!(e.dropped_lines, 0);
    let texts: Vec<&str> = e
        .indicators
        .snippets
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(texts, vec!["1 + 1 /* \u{FFFD} */"]);
}

#[test]
fn exponential_eval_nesting_is_contained() {
    let r = run_with(
        &Script::file(
            "nest.js",
            "var s = '1'; for (var i = 0; i < 40; i++) s = 'eval(' + JSON.stringify(s) + ')'; eval(s);",
        ),
        &Environment::Browser,
        short(1_500),
        Policy::default(),
    );
    assert!(
        matches!(
            r.outcome.status,
            Status::Timeout { .. } | Status::Exited { .. } | Status::MemoryLimit { .. }
        ),
        "{:?}",
        r.outcome.status
    );
    next_is_fine();
}

#[test]
fn scripts_that_break_the_environment_still_get_a_report() {
    for (env, code) in [
        (
            Environment::Browser,
            "delete window.document; document = 1; XMLHttpRequest = null; addEventListener('load', function () { throw new Error('in a listener') }); fetch('https://a.example/x');",
        ),
        (
            Environment::Wsh,
            "WScript = undefined; ActiveXObject = function () { throw 1 }; new ActiveXObject('WScript.Shell');",
        ),
        (
            Environment::Node,
            "require = null; process = undefined; Buffer = 5; setTimeout(function () { throw new Error('in a timer') }, 1);",
        ),
        (
            Environment::Browser,
            "Object.defineProperty(Object.prototype, 'toJSON', { get() { throw 1 } }); Array.prototype.push = null; String.prototype.slice = null; JSON.stringify = null; fetch('https://b.example/y');",
        ),
    ] {
        let r = run_env(code, env.clone());
        let status = &r.outcome.status;
        assert!(
            matches!(status, Status::Exited { code: 0 | 1 }),
            "{}: {status:?}: {}",
            env.name(),
            stderr(&r)
        );
        assert!(!stderr(&r).contains("environment failed"), "{}", stderr(&r));
    }
    // The driver's own recording survives the script's tampering with the built-ins it uses.
    let r = run_env(
        "JSON.stringify = null; String.prototype.slice = null; Array.prototype.push = null;
         Object.keys = null; Reflect.apply = null; eval('var tampered = 1');",
        Environment::Browser,
    );
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    let snippets = &emulation(&r).indicators.snippets;
    assert!(
        snippets.iter().any(|s| s.text == "var tampered = 1"),
        "{snippets:?}"
    );
}

#[test]
fn emulated_calls_join_the_trace() {
    let mut request = RunRequest::new(Limits::default(), Policy::default());
    request.trace = TraceConfig {
        enabled: true,
        ..TraceConfig::default()
    };
    let r = js()
        .run(
            &Script::file(
                "t.js",
                "new ActiveXObject('WScript.Shell').Run('cmd /c whoami', 0)",
            ),
            &Environment::Wsh,
            request,
        )
        .expect("run");
    let trace = r.outcome.trace.expect("traced");
    let run = trace
        .events
        .iter()
        .find(|e| e.call.ends_with("Run"))
        .expect("the Run call is an event");
    assert_eq!(run.category, airlock::trace::Category::Process);
    assert!(run.args.contains("cmd /c whoami"), "{}", run.args);
}

// ---- the pre-initialized browser environment ----------------------------------------------

#[test]
fn the_browser_is_pre_initialized_and_each_run_starts_from_the_same_fresh_page() {
    for env in [
        Environment::Plain,
        Environment::Browser,
        Environment::Wsh,
        Environment::Node,
    ] {
        assert!(js().pre_initialize(&env), "{env:?}");
    }
    let custom = Environment::Custom {
        name: "custom".into(),
        prelude: "function (A) {}".into(),
    };
    assert!(!js().pre_initialize(&custom));
    // A run that changes the page, its globals and its storage leaves nothing to the next one.
    let dirty = "window.leftover = 1; document.cookie = 'a=1'; localStorage.setItem('k', 'v'); \
                 document.body.appendChild(document.createElement('iframe')); Object.prototype.polluted = 1;";
    let check = "console.log(typeof leftover, JSON.stringify(document.cookie), localStorage.getItem('k'), \
                 document.getElementsByTagName('iframe').length, ({}).polluted)";
    for _ in 0..2 {
        assert_eq!(exited(&run_env(dirty, Environment::Browser)), 0);
        let r = run_env(check, Environment::Browser);
        assert_eq!(
            stdout(&r),
            "undefined \"\" null 0 undefined\n",
            "{}",
            stderr(&r)
        );
    }
}

#[test]
fn the_pre_initialized_browser_hides_its_entry_point_and_starts_its_clock_with_the_run() {
    let r = run_env(
        "console.log(typeof __airlock_run, Object.getOwnPropertyNames(globalThis).filter(n => /airlock/.test(n)).length);\
         console.log(Date.now(), performance.timeOrigin, performance.timing.navigationStart);",
        Environment::Browser,
    );
    let out = stdout(&r);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("undefined 0"), "{}", stderr(&r));
    let times: Vec<f64> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|t| t.parse().unwrap())
        .collect();
    let host_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64;
    // Not the time the snapshot was taken: the run's own start, on the virtual clock.
    for t in &times {
        assert!((host_now - t).abs() < 60_000.0, "{t} vs {host_now}");
    }
    // The page is still the first event of the run.
    let e = r.emulation.expect("emulation");
    assert!(e.api_calls >= 1);
}

#[test]
fn deterministic_browser_runs_from_the_snapshot_repeat_exactly() {
    let policy = Policy {
        deterministic: Some(7),
        ..Policy::default()
    };
    let code = "console.log(Date.now(), performance.now(), document.cookie.length, Math.random())";
    let a = run_with(
        &Script::file("d.js", code),
        &Environment::Browser,
        Limits::default(),
        policy.clone(),
    );
    let b = run_with(
        &Script::file("d.js", code),
        &Environment::Browser,
        Limits::default(),
        policy,
    );
    assert_eq!(exited(&a), 0, "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    assert!(stdout(&a).starts_with("17040672"), "{}", stdout(&a));
}

#[test]
fn the_pre_initialized_browser_draws_fresh_random_numbers_in_every_run() {
    let code = "console.log(Math.random(), crypto.getRandomValues(new Uint32Array(2)).join())";
    let a = run_env(code, Environment::Browser);
    let b = run_env(code, Environment::Browser);
    assert_eq!(exited(&a), 0, "{}", stderr(&a));
    assert_ne!(stdout(&a), stdout(&b));
    let x: f64 = stdout(&a).split(' ').next().unwrap().parse().unwrap();
    assert!((0.0..1.0).contains(&x), "{x}");
}

#[test]
fn granted_environment_variables_reach_quickjs_with_or_without_a_snapshot() {
    let policy = Policy {
        env: vec![("FOO".into(), "bar".into())],
        ..Policy::default()
    };
    let code = "console.log(std.getenv('FOO'), std.getenv('HOME'))";
    // Granted variables: a run without snapshot; none: from the snapshot.
    let r = run_with(
        &Script::inline(code),
        &Environment::Plain,
        Limits::default(),
        policy,
    );
    assert_eq!(stdout(&r), "bar undefined\n", "{}", stderr(&r));
    let r = run(code);
    assert_eq!(stdout(&r), "undefined undefined\n", "{}", stderr(&r));
}

#[test]
fn the_page_loads_before_later_script_timers_in_deterministic_runs_too() {
    // The page-load task is queued when the browser is set up (for a snapshot, at its build):
    // its due time must move with the run's clock.
    let code = "setTimeout(() => console.log('timer', document.readyState), 10);\
                addEventListener('load', () => console.log('load', new Date().getUTCFullYear()));";
    for deterministic in [None, Some(3)] {
        let policy = Policy {
            deterministic,
            ..Policy::default()
        };
        let r = run_with(
            &Script::file("p.js", code),
            &Environment::Browser,
            Limits::default(),
            policy,
        );
        let out = stdout(&r);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines[0].starts_with("load "), "{deterministic:?}: {out}");
        assert_eq!(lines[1], "timer complete", "{deterministic:?}: {out}");
        if deterministic.is_some() {
            assert_eq!(lines[0], "load 2024");
        }
    }
}

#[test]
fn a_damaged_cached_driver_is_compiled_again_and_replaced() {
    // Runs with granted environment variables start without a snapshot: the bootstrap loads the
    // driver and the prelude from bytecode that an earlier run compiled and the host cached.
    let cache = tempfile::tempdir().unwrap();
    let guest = guest::find(GuestKind::Js, None).expect("the JavaScript guest is installed");
    let policy = Policy {
        env: vec![("FOO".into(), "bar".into())],
        ..Policy::default()
    };
    let code = "new ActiveXObject('WScript.Shell').Run('calc.exe'); WScript.Echo('ok')";
    let run_fresh = || {
        let sandbox = Sandbox::new(SandboxConfig {
            cache_dir: Some(cache.path().to_path_buf()),
            ..SandboxConfig::default()
        })
        .unwrap();
        let js = Js::load(&sandbox, &guest).unwrap();
        js.run(
            &Script::file("s.js", code),
            &Environment::Wsh,
            RunRequest::new(Limits::default(), policy.clone()),
        )
        .unwrap()
    };
    let check = |r: &JsRun| {
        assert_eq!(exited(r), 0, "{}", stderr(r));
        assert_eq!(stdout(r), "ok\n");
        assert_eq!(emulation(r).indicators.commands, vec!["calc.exe"]);
    };
    check(&run_fresh());
    let mut damaged = 0;
    for entry in std::fs::read_dir(cache.path()).unwrap().flatten() {
        for file in std::fs::read_dir(entry.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            if path.to_string_lossy().ends_with("-jsenv.cwasm") {
                let len = std::fs::metadata(&path).unwrap().len() as usize;
                std::fs::write(&path, "A".repeat(len)).unwrap();
                damaged += 1;
            }
        }
    }
    assert_eq!(damaged, 2, "the driver's and the prelude's bytecode");
    check(&run_fresh());
    check(&run_fresh());
}

#[test]
fn setters_on_object_prototype_do_not_hide_written_files_or_shortcuts() {
    let r = run_env(
        "for (var k of ['shortcut', 'target', 'content', 'content_encoding', 'file'])
           Object.defineProperty(Object.prototype, k, { set: function (v) {}, get: function () {}, configurable: true });
         var sh = new ActiveXObject('WScript.Shell');
         var s = sh.CreateShortcut(sh.SpecialFolders('Startup') + '\\\\updater.lnk');
         s.TargetPath = 'C:\\\\Users\\\\user\\\\AppData\\\\Roaming\\\\upd.exe'; s.Save();
         var f = new ActiveXObject('Scripting.FileSystemObject').CreateTextFile('C:\\\\Users\\\\user\\\\a.bat');
         f.Write('calc'); f.Close();",
        Environment::Wsh,
    );
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    let i = &emulation(&r).indicators;
    assert_eq!(i.shortcuts.len(), 1, "{i:?}");
    assert!(i.shortcuts[0].target.ends_with("upd.exe"), "{i:?}");
    let bat = i.files_written.iter().find(|f| f.path.ends_with("a.bat"));
    assert_eq!(bat.and_then(|f| f.size), Some(4), "{i:?}");
}

#[test]
fn appending_records_the_whole_file() {
    let r = run_env(
        "const fs = require('fs');
         fs.writeFileSync('/tmp/p.bin', 'MZ');
         fs.appendFileSync('/tmp/p.bin', 'HELLO');
         fs.writeFileSync('/tmp/q.bin', 'MZ');
         fs.writeFileSync('/tmp/q.bin', 'HELLO', { flag: 'a' });",
        Environment::Node,
    );
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    let i = &emulation(&r).indicators;
    // sha256("MZHELLO")
    let whole = "0474ff77d35a";
    for p in ["/tmp/p.bin", "/tmp/q.bin"] {
        let last = i.files_written.iter().rfind(|f| f.path == p).unwrap();
        assert_eq!(last.size, Some(7), "{p}: {i:?}");
        assert!(
            last.sha256.as_deref().unwrap().starts_with(whole),
            "{p}: {i:?}"
        );
    }
}

#[test]
fn a_pages_blocks_run_on_their_own_so_a_broken_one_does_not_stop_the_rest() {
    let blocks = [
        "}{ not JavaScript".to_string(),
        "null.x;".to_string(),
        "var shared = 'from block 3';".to_string(),
        "console.log(shared); location.href = 'https://phish.example/login';".to_string(),
    ];
    let r = run_with(
        &Script::blocks("page.html", &blocks),
        &Environment::Browser,
        Limits::default(),
        Policy::default(),
    );
    assert_eq!(stdout(&r), "from block 3\n", "{}", stderr(&r));
    assert!(stderr(&r).contains("SyntaxError"), "{}", stderr(&r));
    assert!(stderr(&r).contains("TypeError"), "{}", stderr(&r));
    assert_eq!(exited(&r), 1);
    assert_eq!(
        emulation(&r).indicators.domains,
        vec!["phish.example".to_string()]
    );
}

#[test]
fn urls_with_the_pages_own_scheme_and_no_slashes_are_relative() {
    // As WHATWG says (and node, the reference here, gives): "https:x" against an https: page is
    // a path on the page's own site, not the host x.
    let r = run_env(
        "var b = location.href;
         ['https:evil.example/x', 'https:/evil.example/x', 'https://evil.example/x', 'http:evil.example/x', 'https:?q=1']
           .forEach(function (u) { console.log(new URL(u, b).href); });
         fetch('https:evil.example/collect');",
        Environment::Browser,
    );
    assert_eq!(
        stdout(&r),
        "https://page.test/evil.example/x\nhttps://page.test/evil.example/x\nhttps://evil.example/x\n\
         http://evil.example/x\nhttps://page.test/index.html?q=1\n",
        "{}",
        stderr(&r)
    );
    assert!(
        emulation(&r).indicators.domains.is_empty(),
        "{:?}",
        emulation(&r).indicators
    );
}

/// An HTML Application is a browser window with the machine's ActiveX objects: `window`,
/// `document` and timers work beside `ActiveXObject`, there is no `WScript` (mshta has none),
/// and the window is Internet Explorer 7's, so that a dropper that hides its window first, or
/// checks that it runs in mshta, runs on to its command.
#[test]
fn an_hta_has_a_window_and_activex_but_no_wscript() {
    let code = "window.resizeTo(0, 0); window.moveTo(-2000, -2000);
         document.write('<p>Loading...</p>');
         var kinds = [typeof WScript, typeof window, typeof document.body, typeof ActiveXObject,
           navigator.userAgent.indexOf('MSIE 7.0') > 0, document.documentMode, typeof window.chrome].join(' ');
         setTimeout(function () {
           new ActiveXObject('WScript.Shell').Run('cmd /c echo ' + kinds, 0, false);
           window.close();
         }, 1000);";
    let r = run_env(code, Environment::Hta);
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    assert_eq!(emulation(&r).environment, "hta");
    assert_eq!(
        emulation(&r).indicators.commands,
        vec!["cmd /c echo undefined object object function true 7 undefined"]
    );
}

#[test]
fn a_pages_markup_is_in_the_dom_before_its_scripts_run() {
    let page = r#"<html><head><title>Shop</title><hta:application id="oHTA"/></head>
<body onload="console.log('loaded', document.getElementById('total').textContent)">
<div id="total" class="sum">42 EUR</div><script>ignored()</script>
<iframe src="https://ads.example/f" width="1" height="1"></iframe>
<button id="buy" onclick="console.log('clicked', this.id)">Buy</button></body></html>"#;
    let blocks =
        ["console.log(document.querySelector('.sum').textContent, typeof oHTA);".to_string()];
    let script = Script::blocks("shop.html", &blocks).in_page(page);
    let mut request = RunRequest::new(Limits::default(), Policy::default());
    request.trace = TraceConfig {
        enabled: true,
        ..TraceConfig::default()
    };
    let r = js()
        .run(&script, &Environment::Browser, request)
        .expect("run");
    assert_eq!(exited(&r), 0, "{}", stderr(&r));
    // The script sees the static elements (and an id names its element on the window); the
    // page's own <script> does not run a second time; <body onload> and onclick run.
    assert_eq!(
        stdout(&r),
        "42 EUR object\nloaded 42 EUR\nclicked buy\n",
        "{}",
        stderr(&r)
    );
    let trace = r.outcome.trace.as_ref().expect("traced");
    let events: Vec<String> = trace.events.iter().map(|e| e.to_string()).collect();
    assert!(
        events
            .iter()
            .any(|e| e.contains("iframe.hidden") && e.contains("ads.example")),
        "{events:#?}"
    );
    // A script file (no page) and the other environments build nothing.
    let r = run_with(
        &Script::blocks("shop.html", &blocks).in_page(page),
        &Environment::Wsh,
        Limits::default(),
        Policy::default(),
    );
    assert!(stdout(&r).is_empty() && exited(&r) == 1, "{}", stdout(&r));
}

#[test]
fn jscript_conditional_compilation_runs_under_wsh_and_hta_only() {
    let hidden = r#"var seen = [];
/*@cc_on
@set @stage = 2
@if (@_jscript_version >= 5 && @stage == 2)
var sh = new ActiveXObject("WScript.Shell");
sh.Run("cmd /c calc.exe", 0);
@elif (@_win16)
seen.push("win16");
@else
seen.push("other");
@end
seen.push(typeof @unset_var === "number" && isNaN(@unset_var) ? "nan" : "set");
@*/
var mail = "someone@end.example";
seen.push(mail);
"#;
    for env in [Environment::Wsh, Environment::Hta] {
        let r = run_env(
            &format!("{hidden}WScript.Echo(seen.join(','));"),
            env.clone(),
        );
        assert_eq!(
            emulation(&r).indicators.commands,
            vec!["cmd /c calc.exe"],
            "{env:?}: {}",
            stderr(&r)
        );
    }
    // Microsoft's documented shape: conditional compilation on, then code in `/*@ ... @*/`.
    let r = run_env(
        "/*@cc_on @*/\n/*@ new ActiveXObject('WScript.Shell').Run('cmd /c whoami', 0); @*/\n//@ WScript.Echo('ran');",
        Environment::Wsh,
    );
    assert_eq!(
        emulation(&r).indicators.commands,
        vec!["cmd /c whoami"],
        "{}",
        stderr(&r)
    );
    assert_eq!(stdout(&r), "ran\n");
    // What cannot be compiled that way (a directive inside an expression) runs as it is.
    let r = run_env(
        "var m = /*@cc_on @if (@_win64) 'x64' @else 'x86' @end @*/ 'js';\nWScript.Echo(m);",
        Environment::Wsh,
    );
    assert_eq!(stdout(&r), "js\n", "{}", stderr(&r));
    // WSH echoes what the compiled script pushed; a string with "@end" in it is left alone.
    let r = run_env(
        &format!("{hidden}WScript.Echo(seen.join(','));"),
        Environment::Wsh,
    );
    assert_eq!(stdout(&r), "nan,someone@end.example\n", "{}", stderr(&r));
    // Elsewhere it stays a comment, and a script without @cc_on is not touched.
    let r = run_env(
        &format!("{hidden}console.log(seen.join(','));"),
        Environment::Node,
    );
    assert!(emulation(&r).indicators.commands.is_empty());
    assert_eq!(stdout(&r), "someone@end.example\n");
    let r = run_env("var s = '@if (x) @end'; WScript.Echo(s);", Environment::Wsh);
    assert_eq!(stdout(&r), "@if (x) @end\n");
}

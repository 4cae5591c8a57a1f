//! JavaScript guest benchmarks, printing figures: `cargo bench -p airlock --bench js`.
//! Needs the guest (`airlock install js`).
//!
//! In-process, one thread, a fresh QuickJS instance per run (median, p99), in a sandbox made as
//! the analyzer makes its JavaScript one (`JS_KEEP_RESIDENT`):
//! - plain `console.log("hello")`;
//! - an empty script in each emulated environment (the environment's fixed cost: its prelude is
//!   parsed and its page/user phases run in every analysis);
//! - a labelled corpus sample in its environment;
//! - scripts of 100 KB, 1 MB and 10 MB in the two shapes of `benches/js_shapes.rs`, in the
//!   browser environment (the whole analysis: decode, run, page phases, indicators);
//! - a few of these again, alternated run by run with a sandbox keeping 64 KiB of
//!   memory resident (what `JS_KEEP_RESIDENT` buys).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use airlock::guest::{self, GuestKind};
use airlock::js::{Environment, Js, Script};
use airlock::{RunRequest, Sandbox, SandboxConfig, Status};

#[path = "../../../benches/js_shapes.rs"]
mod js_shapes;

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn figure(label: &str, n: usize, mut f: impl FnMut()) {
    for _ in 0..n.min(20) {
        f();
    }
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    let p99 = v[((v.len() - 1) as f64 * 0.99).round() as usize];
    println!(
        "{label}: median {}, p99 {}, min {} ({n} samples)",
        ms(v[v.len() / 2]),
        ms(p99),
        ms(v[0])
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let guest =
        guest::find(GuestKind::Js, None).expect("the JavaScript guest (airlock install js)");
    // As the analyzer's JavaScript sandbox is made.
    let sandbox = Sandbox::new(SandboxConfig {
        fuel_metering: false,
        memory_keep_resident: airlock::JS_KEEP_RESIDENT,
        ..SandboxConfig::default()
    })
    .unwrap();
    let js = Js::load(&sandbox, &guest).unwrap();
    let run = |script: &Script, env: &Environment| {
        let r = js.run(script, env, RunRequest::default()).unwrap();
        assert!(
            matches!(r.outcome.status, Status::Exited { code: 0 }),
            "{:?}",
            r.outcome
        );
        r
    };
    let hello = Script::inline("console.log(\"hello\")");
    figure("plain console.log(\"hello\")", 1000, || {
        let r = run(&hello, &Environment::Plain);
        assert_eq!(r.outcome.stdout.bytes, b"hello\n");
    });
    let empty = Script::file("empty.js", "");
    for env in [Environment::Browser, Environment::Wsh, Environment::Node] {
        figure(
            &format!("empty script, {} environment", env.name()),
            500,
            || {
                run(&empty, &env);
            },
        );
    }
    let corpus = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/corpus/js/samples/"
    );
    for (file, env) in [
        ("mal-wsh-dropper-01.js", Environment::Wsh),
        ("mal-web-skimmer-03.js", Environment::Browser),
        ("mal-npm-supply-chain-01.js", Environment::Node),
    ] {
        let script = Script::file(file, std::fs::read(format!("{corpus}{file}")).unwrap());
        figure(&format!("{file} ({})", env.name()), 500, || {
            let r = run(&script, &env);
            assert!(!r.emulation.unwrap().indicators.is_empty());
        });
    }
    for (shape, make) in js_shapes::SHAPES {
        for (label, size, n) in js_shapes::SIZES {
            let script = Script::file("big.js", make(size));
            figure(&format!("{shape} {label}, browser"), n, || {
                let r = run(&script, &Environment::Browser);
                assert!(!r.emulation.unwrap().indicators.is_empty());
            });
        }
    }

    // What keeping 8 MiB resident buys: the same runs in a sandbox with 64 KiB (the default
    // where the kernel lacks `PAGEMAP_SCAN`), alternated run by run with the one above so that
    // both see the same machine.
    let default_js = Js::load(
        &Sandbox::new(SandboxConfig {
            fuel_metering: false,
            memory_keep_resident: 64 << 10,
            ..SandboxConfig::default()
        })
        .unwrap(),
        &guest,
    )
    .unwrap();
    let skimmer = Script::file(
        "skimmer.js",
        std::fs::read(format!("{corpus}mal-web-skimmer-03.js")).unwrap(),
    );
    let code = Script::file("big.js", js_shapes::code_script(100_000));
    for (label, script, env, n) in [
        ("empty script, wsh", &empty, Environment::Wsh, 500),
        ("web skimmer", &skimmer, Environment::Browser, 300),
        ("code 100 KB", &code, Environment::Browser, 60),
    ] {
        let (mut kept, mut default) = (Vec::new(), Vec::new());
        for i in 0..2 * (n + 10) {
            let (js, times) = if i % 2 == 0 {
                (&js, &mut kept)
            } else {
                (&default_js, &mut default)
            };
            let t = Instant::now();
            js.run(script, &env, RunRequest::default()).unwrap();
            times.push(t.elapsed());
        }
        let median = |v: &mut Vec<Duration>| {
            v.drain(..10);
            v.sort();
            ms(v[v.len() / 2])
        };
        println!(
            "{label}, alternated: memory kept resident 64 KiB median {}, 8 MiB (JS_KEEP_RESIDENT) median {}",
            median(&mut default),
            median(&mut kept)
        );
    }
}

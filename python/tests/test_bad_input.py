"""Bad inputs and hostile guests through the Python face: each gets a typed error or a typed
outcome, and the next sandbox is unaffected."""

import pytest

import airlock


@pytest.mark.parametrize("bad", [None, 42, 3.5, ["print(1)"], {"code": 1}, object()])
def test_code_that_is_not_text_is_a_type_error(sandbox, bad):
    with pytest.raises(TypeError):
        sandbox.run_python(bad)
    with pytest.raises(TypeError):
        sandbox.run_js(bad)


def test_code_with_lone_surrogates_is_a_unicode_error(sandbox):
    with pytest.raises(UnicodeEncodeError):
        sandbox.run_python("print('\ud800')")


def test_non_utf8_bytes_are_a_syntax_error_in_the_guest(sandbox):
    r = sandbox.run_python(b"print('\xff\xfe')\n")
    assert r.exit_code == 1
    assert "SyntaxError" in r.stderr


def test_huge_code_runs_or_is_refused_typed():
    big = "x = 1\n" + "# padding padding padding padding padding padding padding\n" * 350_000
    assert len(big) > 20_000_000
    r = airlock.Sandbox(timeout=60).run_python(big + "print(x)")
    assert (r.exit_code, r.stdout) == (0, "1\n")
    small = airlock.Sandbox(max_input=1000)
    with pytest.raises(airlock.InputTooLargeError) as e:
        small.run_python(big)
    assert e.value.limit == 1000 and e.value.size > 1000
    with pytest.raises(airlock.InputTooLargeError):
        small.run_wasm(b"\0asm" + bytes(2000))


def test_invalid_wasm_bytes(sandbox):
    # The seed's "minimal module": its export name length byte says 4 for `_start`.
    seed_module = b"\x00asm\x01\x00\x00\x00\x07\x0a\x01\x04_start\x00\x00"
    with pytest.raises(airlock.InvalidModuleError) as e:
        sandbox.run_wasm(seed_module)
    assert e.value.section == "export" and e.value.offset == 16
    assert isinstance(e.value, ValueError)
    for junk in (b"", b"\x00asm", b"not wasm at all", bytes(range(256)) * 10):
        with pytest.raises(airlock.InvalidModuleError):
            sandbox.run_wasm(junk)


def test_modules_the_sandbox_cannot_run(sandbox):
    with pytest.raises(airlock.MissingEntryError):
        sandbox.run_wasm(b"(module (func (export \"main\")))")
    with pytest.raises(airlock.UnknownImportError) as e:
        sandbox.run_wasm(b'(module (import "env" "launch_missiles" (func)) (func (export "_start")))')
    assert (e.value.module, e.value.field) == ("env", "launch_missiles")
    with pytest.raises(airlock.InputReadError):
        sandbox.run_wasm("/no/such/module.wasm")
    with pytest.raises(TypeError):
        sandbox.run_wasm(12345)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": -1},
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"memory": 0},
        {"memory": 1 << 40},
        {"mounts": [("/no/such/dir", "/data")]},
        {"mounts": [(".", "relative")]},
        {"memory": -1},
        {"fuel": -5},
        {"max_output": -1},
        {"max_handles": -1},
        {"max_handles": 1 << 32},
        {"deterministic": -1},
        {"max_input": 1 << 30},
        {"env": {"A=B": "x"}},
        {"env": {"": "x"}},
        {"env": {"A": "nul\0byte"}},
    ],
)
def test_bad_settings_are_config_errors(kwargs):
    with pytest.raises(airlock.ConfigError):
        airlock.Sandbox(**kwargs)


def test_analyze_a_missing_path_is_a_read_error(sandbox, tmp_path):
    with pytest.raises(airlock.InputReadError) as e:
        airlock.analyze(tmp_path / "no-such-file.js")
    assert isinstance(e.value, OSError) and e.value.kind == "io"


def test_bad_per_call_timeout(sandbox):
    with pytest.raises(ValueError):
        sandbox.run_python("1", timeout=-5)


def test_descriptor_hoarding_stops_at_the_handle_limit(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    sb = airlock.Sandbox(max_handles=100, mounts=[airlock.Mount(tmp_path, "/data")])
    assert sb.max_handles == 100
    r = sb.run_python("fs = [open('/data/f.txt') for _ in range(10**6)]")
    assert r.status == "resource_limit"
    assert "more than 100 host handles" in r.message
    with pytest.raises(airlock.LimitExceededError):
        r.check()
    assert airlock.Sandbox().max_handles == 512


def test_hostile_python_is_contained():
    sb = airlock.Sandbox(timeout=3, memory=64 << 20, max_output=64 << 10)
    loop = sb.run_python("while True: pass")
    assert loop.status == "timeout"
    alloc = sb.run_python("x = [0] * 10**8")
    assert alloc.exit_code == 1 and "MemoryError" in alloc.stderr
    grow = sb.run_python("b = []\nwhile True: b.append(bytearray(1 << 20))")
    assert grow.status == "memory_limit" or "MemoryError" in grow.stderr
    deep = sb.run_python("def f(n): return f(n + 1)\nf(0)")
    assert deep.exit_code == 1 and "RecursionError" in deep.stderr
    flood = sb.run_python("while True: print('x' * 1000)")
    assert flood.status == "output_limit" and flood.stdout_truncated
    assert len(flood.stdout_bytes) <= 64 << 10
    escape = sb.run_python(
        "import os, subprocess\n"
        "for f in (lambda: os.system('id'), lambda: subprocess.run(['id']), lambda: os.fork()):\n"
        "    try:\n"
        "        print('ran', f())\n"
        "    except Exception as e:\n"
        "        print('refused', type(e).__name__)\n"
    )
    lines = escape.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("refused ") for line in lines), escape.stdout
    threads = sb.run_python(
        "import threading\n"
        "try:\n"
        "    for _ in range(10000): threading.Thread(target=lambda: None).start()\n"
        "except Exception as e:\n"
        "    print('refused', type(e).__name__)\n"
    )
    assert threads.status in ("exited", "timeout", "memory_limit")
    # The next sandbox is unaffected.
    after = sb.run_python("print('fine')")
    assert (after.exit_code, after.stdout) == (0, "fine\n")


def test_hostile_javascript_is_contained():
    sb = airlock.Sandbox(timeout=1, memory=64 << 20, max_output=64 << 10)
    assert sb.run_js("for(;;){}").status == "timeout"
    assert sb.run_js("var a=[]; for(;;) a.push(new Array(1e6).fill(1))").status in (
        "memory_limit",
        "exited",
        "trap",
    )
    assert sb.run_js("for(;;) console.log('x'.repeat(1000))").status == "output_limit"
    assert sb.run_js("console.log('ok')").stdout == "ok\n"

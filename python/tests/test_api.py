"""The idiomatic API: Sandbox, run_python / run_js / run_wasm, sessions, analyze, results."""

import json
import os
from pathlib import Path

import pytest

import airlock


def test_run_python_captures_output_and_exit_code(sandbox):
    r = sandbox.run_python("import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)")
    assert (r.status, r.exit_code, r.ok) == ("exited", 3, False)
    assert r.stdout == "out\n"
    assert r.stderr == "err\n"
    assert r.stdout_bytes == b"out\n"
    assert r.duration > 0


def test_uncaught_exception_is_exit_1_with_traceback(sandbox):
    r = sandbox.run_python("def f():\n    raise KeyError('boom')\nf()")
    assert r.exit_code == 1
    assert "Traceback (most recent call last)" in r.stderr
    assert "KeyError: 'boom'" in r.stderr


def test_stdin_args_env_and_filename():
    sb = airlock.Sandbox(env={"GREETING": "hi"})
    r = sb.run_python(
        "import os, sys\nprint(input(), sys.argv[1:], os.environ.get('GREETING'), os.environ.get('HOME'))\n1/0",
        stdin="typed\n",
        args=["a", "b"],
        filename="job.py",
    )
    assert r.stdout == "typed ['a', 'b'] hi None\n"
    assert 'File "job.py", line 3' in r.stderr


def test_host_is_invisible_by_default(sandbox):
    r = sandbox.run_python(
        "import os\n"
        "print(sorted(os.environ))\n"
        "for p in ('/etc/passwd', os.path.expanduser('~/.ssh/id_rsa'), '/proc/self/environ'):\n"
        "    try:\n"
        "        open(p).read(); print('READ', p)\n"
        "    except OSError as e:\n"
        "        print(type(e).__name__)\n"
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('example.com', 80), timeout=1); print('CONNECTED')\n"
        "except Exception as e:\n"
        "    print('no network')\n"
    )
    assert r.exit_code == 0, r.stderr
    assert "READ" not in r.stdout and "CONNECTED" not in r.stdout
    assert "no network" in r.stdout
    assert r.stdout.splitlines()[0] == "[]"


def test_mounts_read_only_and_writable(tmp_path):
    data = tmp_path / "data"
    out = tmp_path / "out"
    data.mkdir()
    out.mkdir()
    (data / "in.txt").write_text("from the host")
    sb = airlock.Sandbox(mounts=[airlock.Mount(str(data), "/data"), (out, "/out", True)])
    r = sb.run_python(
        "print(open('/data/in.txt').read())\n"
        "open('/out/result.txt', 'w').write('from the guest')\n"
        "try:\n"
        "    open('/data/new.txt', 'w')\n"
        "except OSError as e:\n"
        "    print('read-only:', type(e).__name__)\n"
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("from the host\nread-only:")
    assert (out / "result.txt").read_text() == "from the guest"
    assert not (data / "new.txt").exists()
    assert sb.mounts == [(str(data), "/data", False), (str(out), "/out", True)]


def test_relative_mounts_are_resolved_when_the_sandbox_is_made(tmp_path, monkeypatch):
    (tmp_path / "granted").mkdir()
    (tmp_path / "granted" / "f.txt").write_text("granted")
    (tmp_path / "other" / "granted").mkdir(parents=True)
    (tmp_path / "other" / "granted" / "f.txt").write_text("other")
    monkeypatch.chdir(tmp_path)
    sb = airlock.Sandbox(mounts=[("granted", "/g")])
    monkeypatch.chdir(tmp_path / "other")
    assert sb.run_python("print(open('/g/f.txt').read())").stdout == "granted\n"


def test_report_is_a_versioned_dict(sandbox):
    sb = airlock.Sandbox(trace=True, deterministic=7)
    r = sb.run_python("open('/nope')")
    report = r.report
    assert report["format"] == "airlock-report"
    assert report["version"] == airlock.REPORT_VERSION
    assert report["input"]["kind"] == "python"
    assert report["outcome"]["exit_code"] == 1
    assert report["policy"]["network"] == "none"
    assert report["policy"]["deterministic_seed"] == 7
    assert report["traced"] is True
    assert report["events_total"] > 0
    assert any(e["call"] for e in report["events"])
    assert json.loads(r.report_json_text()) == report
    report["outcome"] = None  # each access is a new dict
    assert r.report["outcome"]["exit_code"] == 1
    # Untraced runs still report how they ended, with no events.
    plain = sandbox.run_python("pass").report
    assert plain["traced"] is False and plain["events"] == []


def test_deterministic_runs_repeat(sandbox):
    sb = airlock.Sandbox(deterministic=42)
    code = "import random, time\nprint(random.random(), time.time())"
    assert sb.run_python(code).stdout == sb.run_python(code).stdout


def test_check_raises_typed_execution_errors():
    sb = airlock.Sandbox(timeout=0.3)
    assert sb.run_python("pass").check().ok
    with pytest.raises(airlock.NonZeroExitError) as e:
        sb.run_python("raise SystemExit(4)").check()
    assert e.value.result.exit_code == 4
    with pytest.raises(airlock.SandboxTimeoutError) as e:
        sb.run_python("while True: pass").check()
    assert isinstance(e.value, TimeoutError)
    assert e.value.result.status == "timeout"
    assert e.value.kind == "timeout"


def test_run_js_plain_and_in_an_emulated_browser(sandbox):
    r = sandbox.run_js("console.log([1, 2, 3].map(x => x * 2).join(','))")
    assert (r.exit_code, r.stdout) == (0, "2,4,6\n")
    r = sandbox.run_js(
        "var i = document.createElement('iframe'); i.src = 'http://evil.test/x';"
        "document.body.appendChild(i);",
        env="browser",
    )
    assert r.exit_code == 0, r.stderr
    emulation = r.report["emulation"]
    assert emulation["environment"] == "browser"
    assert "http://evil.test/x" in emulation["indicators"]["urls"]
    with pytest.raises(airlock.ConfigError):
        sandbox.run_js("1", env="amiga")


def test_run_wasm_bytes_path_and_program(sandbox, guests_dir):
    hello = guests_dir / "hello.wat"
    assert sandbox.run_wasm(hello).stdout == "hello\n"
    assert sandbox.run_wasm(str(hello)).stdout == "hello\n"
    assert sandbox.run_wasm(hello.read_bytes()).stdout == "hello\n"
    program = sandbox.load_wasm(hello)
    assert program.kind == "module"
    assert "_start" in program.exports
    assert len(program.sha256) == 64
    assert all(sandbox.run_wasm(program).stdout == "hello\n" for _ in range(3))
    r = sandbox.run_wasm(guests_dir / "exit_code.wat")
    assert r.status == "exited" and r.exit_code != 0


def test_wasm_limits_are_outcomes(guests_dir):
    sb = airlock.Sandbox(timeout=0.2, fuel=1_000_000, memory=8 << 20, max_output=1000)
    assert sb.run_wasm(guests_dir / "loop.wat").status in ("timeout", "fuel_exhausted")
    flood = sb.run_wasm(guests_dir / "flood.wat")
    assert flood.status == "output_limit"
    assert flood.stdout_truncated and len(flood.stdout_bytes) <= 1000
    assert sb.run_wasm(guests_dir / "memory_bomb.wat").status in ("memory_limit", "trap")
    trap = sb.run_wasm(guests_dir / "unreachable.wat")
    assert trap.status == "trap"
    with pytest.raises(airlock.GuestTrapError):
        trap.check()


def test_session_keeps_globals_and_resets(sandbox):
    with sandbox.python_session() as s:
        assert s.exec("x = 41\ndef inc(v): return v + 1").ok
        assert s.exec("print(inc(x))").stdout == "42\n"
        r = s.exec("print(y)")
        assert r.exit_code == 1 and "NameError" in r.stderr
        assert s.exec("print(x)").stdout == "41\n"  # an exception does not end the session
        s.reset()
        assert "NameError" in s.exec("print(x)").stderr
    with pytest.raises(airlock.SessionEndedError):
        s.exec("1")


def test_sessions_past_the_sandboxs_slots_are_busy_until_one_closes(sandbox):
    # The package's sandbox has 64 slots; a live session holds one (after its first call).
    sessions = []
    try:
        while True:
            s = sandbox.python_session()
            try:
                s.exec("x = 1")
            except airlock.SandboxBusyError as e:
                assert e.kind == "busy" and 0 < len(sessions) <= 64
                assert s.alive  # nothing ran: the session is not ended
                break
            sessions.append(s)
            assert len(sessions) <= 64
        sessions.pop().close()
        assert s.exec("print(x := 2)").stdout == "2\n"
        sessions.append(s)
    finally:
        for s in sessions:
            s.close()


def test_session_after_timeout_needs_reset():
    s = airlock.Sandbox(timeout=0.3).python_session()
    s.exec("x = 1")
    assert s.exec("while True: pass").status == "timeout"
    assert not s.alive
    with pytest.raises(airlock.SessionEndedError):
        s.exec("print(x)")
    s.reset()
    assert s.alive
    assert s.exec("print('again')").stdout == "again\n"


def test_analyze_bytes_and_paths(sandbox, corpus_dir):
    a = airlock.analyze(corpus_dir / "mal-wsh-dropper-01.js")
    assert a.verdict == "malicious"
    assert a.file_type == "javascript"
    assert a.score >= 50
    assert a.reasons and all({"rule", "points", "evidence"} <= set(r) for r in a.reasons)
    assert sum(r["points"] for r in a.reasons) >= a.score
    assert a.report["verdict"]["verdict"] == "malicious"
    assert a.report["analysis"]["file_type"] == "javascript"
    b = sandbox.analyze(b"console.log('hello')", name="hello.js")
    assert (b.verdict, b.name) == ("benign", "hello.js")
    c = airlock.analyze(b"\x7fELF\x02\x01\x01" + bytes(100), name="a.out")
    assert c.verdict == "not_analysed"


def test_reprs_read_well(sandbox, guests_dir):
    r = sandbox.run_python("print('x' * 200)")
    text = repr(r)
    assert text.startswith("RunResult(status='exited', exit_code=0, duration='")
    assert "..." in text and len(text) < 300
    assert repr(airlock.Sandbox(timeout=2)).startswith("Sandbox(timeout=2")
    assert "kind='module'" in repr(sandbox.load_wasm(guests_dir / "hello.wat"))
    assert "verdict='benign'" in repr(sandbox.analyze(b"1", name="one.js"))
    assert "timeout" in repr(airlock.Sandbox(timeout=0.1).run_python("while 1: pass"))


def test_help_documents_the_api():
    doc = airlock.Sandbox.__doc__
    assert "timeout" in doc and "mounts" in doc
    for method in ("run_python", "run_js", "run_wasm", "python_session", "analyze"):
        assert getattr(airlock.Sandbox, method).__doc__, method
    assert "ExecutionError" in airlock.RunResult.check.__doc__


def test_exception_hierarchy():
    assert issubclass(airlock.WasmtimeBinaryNotFoundError, airlock.AirlockError)
    assert airlock.WasmtimeBinaryNotFoundError is airlock.GuestUnavailableError
    assert airlock.WasmtimeExecutionError is airlock.ExecutionError
    for cls in (airlock.ConfigError, airlock.InvalidModuleError, airlock.InputTooLargeError):
        assert issubclass(cls, ValueError) and issubclass(cls, airlock.AirlockError)
    assert issubclass(airlock.SandboxTimeoutError, airlock.ExecutionError)
    assert issubclass(airlock.InputReadError, OSError)


def test_guests_lists_discovery():
    found = airlock.guests()
    assert {"python", "js"} <= {g["guest"] for g in found}
    assert any(g["found"] for g in found if g["guest"] == "python")


def test_module_level_helpers():
    assert airlock.run_python("print(6 * 7)").stdout == "42\n"
    assert airlock.run_js("console.log(6 * 7)").stdout == "42\n"
    assert airlock.default_sandbox() is airlock.default_sandbox()

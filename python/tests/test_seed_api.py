"""The seed guide's API (../shared/seeds/000_de5dc761c18e563a.txt), with the module path
changed from personalvibe.wasmtime_core to airlock.wasmtime_core: its usage examples run here
as written, and its error names mean what the guide says."""

import os
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import airlock
from airlock.wasmtime_core import (
    WasmtimeBinaryNotFoundError,
    WasmtimeCore,
    WasmtimeExecutionError,
    execute_python_in_sandbox,
    wasmtime_smoke_test,
)

# The guide's "Basic Usage" example, verbatim but for the import line.
BASIC_USAGE = '''
from airlock.wasmtime_core import execute_python_in_sandbox, wasmtime_smoke_test

# Execute Python code in sandbox
result = execute_python_in_sandbox("""
print("Hello from sandbox!")
x = 2 + 2
print(f"2 + 2 = {x}")
""")

print(f"Exit code: {result['exit_code']}")
print(f"Output: {result['stdout']}")

# Run smoke test
if wasmtime_smoke_test():
    print("Wasmtime integration working correctly")
'''

# The guide's "Advanced Usage" example, verbatim but for the import line.
ADVANCED_USAGE = '''
from airlock.wasmtime_core import WasmtimeCore

# Create core instance with custom workspace
core = WasmtimeCore("/tmp/my_sandbox")

try:
    # Execute code with custom timeout
    result = core.initialize_sandbox(
        python_code="import time; time.sleep(1); print('done')",
        timeout=5
    )

    if result["exit_code"] == 0:
        print("Execution successful")
    else:
        print(f"Execution failed: {result['stderr']}")

finally:
    # Always cleanup
    core.cleanup()
'''


def test_guide_basic_usage_runs(capsys):
    exec(compile(BASIC_USAGE, "basic_usage.py", "exec"), {})
    assert capsys.readouterr().out == (
        "Exit code: 0\n"
        "Output: Hello from sandbox!\n2 + 2 = 4\n\n"
        "Wasmtime integration working correctly\n"
    )


def test_guide_advanced_usage_runs(capsys, tmp_path, monkeypatch):
    # The example's workspace is /tmp/my_sandbox; keep the test's own out of the way.
    workspace = tmp_path / "my_sandbox"
    code = ADVANCED_USAGE.replace('"/tmp/my_sandbox"', repr(str(workspace)))
    exec(compile(code, "advanced_usage.py", "exec"), {})
    assert capsys.readouterr().out == "Execution successful\n"
    assert not workspace.exists(), "cleanup() removes the workspace it created"


def test_guide_advanced_usage_with_its_own_path(capsys):
    # The example exactly as written (its /tmp/my_sandbox), when that path is free.
    if os.path.exists("/tmp/my_sandbox"):
        pytest.skip("/tmp/my_sandbox belongs to someone else here")
    exec(compile(ADVANCED_USAGE, "advanced_usage.py", "exec"), {})
    assert capsys.readouterr().out == "Execution successful\n"
    assert not os.path.exists("/tmp/my_sandbox")


def test_result_is_the_guide_dict():
    result = execute_python_in_sandbox("import sys; print('o'); print('e', file=sys.stderr)")
    assert result == {"exit_code": 0, "stdout": "o\n", "stderr": "e\n"}
    failed = execute_python_in_sandbox("raise RuntimeError('nope')")
    assert failed["exit_code"] == 1
    assert "RuntimeError: nope" in failed["stderr"]


def test_timeout_raises_execution_error():
    with pytest.raises(WasmtimeExecutionError) as e:
        execute_python_in_sandbox("while True: pass", timeout=0.3)
    assert "timeout" in str(e.value)
    assert e.value.result.status == "timeout"
    with WasmtimeCore() as core:
        with pytest.raises(WasmtimeExecutionError):
            core.initialize_sandbox(python_code="import time; time.sleep(5)", timeout=0.2)


def test_workspace_is_the_only_host_directory(tmp_path):
    workspace = tmp_path / "ws"
    core = WasmtimeCore(workspace)
    (workspace / "input.txt").write_text("42")
    result = core.initialize_sandbox(
        python_code=textwrap.dedent(
            """
            import os
            n = int(open('/workspace/input.txt').read())
            open('/workspace/output.txt', 'w').write(str(n + 1))
            print(sorted(os.listdir('/workspace')))
            try:
                open('/workspace/../../etc/passwd')
                print('escaped')
            except OSError:
                print('confined')
            """
        )
    )
    assert result["exit_code"] == 0, result["stderr"]
    assert result["stdout"] == "['input.txt', 'output.txt']\nconfined\n"
    assert (workspace / "output.txt").read_text() == "43"
    core.cleanup()
    core.cleanup()  # twice is fine
    assert not workspace.exists()
    with pytest.raises(WasmtimeExecutionError):
        core.initialize_sandbox(python_code="print(1)")


def test_cleanup_keeps_a_workspace_that_was_already_there(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    core = WasmtimeCore(tmp_path)
    assert core.initialize_sandbox(python_code="print(1)")["exit_code"] == 0
    core.cleanup()
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_non_string_code_is_a_type_error():
    for bad in (None, 42, b"print(1)", ["print(1)"]):
        with pytest.raises(TypeError):
            execute_python_in_sandbox(bad)


def test_concurrent_calls_do_not_collide():
    results = {}

    def work(i):
        results[i] = execute_python_in_sandbox(f"print({i} * {i})")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {i: r["stdout"] for i, r in results.items()} == {i: f"{i * i}\n" for i in range(16)}


def test_concurrent_cores_keep_their_workspaces_apart(tmp_path):
    def work(i):
        with WasmtimeCore(tmp_path / f"ws{i}") as core:
            r = core.initialize_sandbox(
                python_code=f"import os\nopen('/workspace/mine', 'w').write('{i}')\n"
                "print(os.listdir('/workspace'), open('/workspace/mine').read())"
            )
            assert r == {"exit_code": 0, "stdout": f"['mine'] {i}\n", "stderr": ""}

    with ThreadPoolExecutor(max_workers=6) as pool:
        for done in [pool.submit(work, i) for i in range(6)]:
            done.result()  # re-raises a failed assertion of the worker
    assert list(tmp_path.iterdir()) == []


def _fresh_python(code, **env):
    """Runs ``code`` in a new interpreter with ``env`` added (the guest discovery reads it)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_runtime_is_binary_not_found(tmp_path):
    p = _fresh_python(
        "from airlock.wasmtime_core import *\n"
        "try:\n"
        "    execute_python_in_sandbox('print(1)')\n"
        "except WasmtimeBinaryNotFoundError as e:\n"
        "    print('not found:', e.hint)\n"
        "print('smoke', wasmtime_smoke_test())\n",
        AIRLOCK_PYTHON_GUEST=str(tmp_path / "no-guest-here"),
    )
    assert p.returncode == 0, p.stderr
    assert "not found: " in p.stdout and "install python" in p.stdout
    assert p.stdout.endswith("smoke False\n")
    assert "smoke test failed" in p.stderr  # logged, not raised


def test_exported_from_the_package_too():
    assert airlock.execute_python_in_sandbox is execute_python_in_sandbox
    assert airlock.WasmtimeCore is WasmtimeCore
    assert airlock.wasmtime_smoke_test() is True

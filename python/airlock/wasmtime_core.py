"""The seed guide's API, working unchanged on airlock (module path aside).

Code written against the guide's ``personalvibe.wasmtime_core`` runs here by importing from
``airlock.wasmtime_core`` (or ``airlock``) instead::

    from airlock.wasmtime_core import execute_python_in_sandbox, wasmtime_smoke_test

    result = execute_python_in_sandbox('print("Hello from sandbox!")')
    print(result["exit_code"], result["stdout"])

What differs from that guide's implementation, by design:

- there is no Wasmtime binary to find or extract: the engine is in the extension module, and the
  Python guest is found as the ``airlock`` CLI finds it (``$AIRLOCK_PYTHON_GUEST``, the user
  cache, system directories). Install it once with ``python -m airlock install python``;
  without it, calls raise :class:`WasmtimeBinaryNotFoundError`;
- the engine and the guest are loaded once per process, not per call, and calls keep no files:
  threads can run sandboxes at once without colliding;
- the guest sees nothing of the host: no files, no environment, no network. A
  :class:`WasmtimeCore`'s workspace is the one directory it may use, at ``/workspace``.
"""

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Union

from ._airlock import RunResult, Sandbox
from .exceptions import (
    AirlockError,
    ConfigError,
    GuestUnavailableError,
    WasmtimeBinaryNotFoundError,
    WasmtimeExecutionError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "WORKSPACE_MOUNT",
    "WasmtimeBinaryNotFoundError",
    "WasmtimeCore",
    "WasmtimeExecutionError",
    "execute_python_in_sandbox",
    "wasmtime_smoke_test",
]

logger = logging.getLogger("airlock")

#: Seconds a run may take when no ``timeout`` is given.
DEFAULT_TIMEOUT = 30.0

#: Where a :class:`WasmtimeCore`'s workspace appears inside the sandbox.
WORKSPACE_MOUNT = "/workspace"

_SANDBOX = Sandbox(timeout=DEFAULT_TIMEOUT)

Result = Dict[str, Any]


def _run(sandbox: Sandbox, code: str, timeout: Optional[float]) -> Result:
    if not isinstance(code, str):
        raise TypeError(f"python_code must be str, not {type(code).__name__}")
    try:
        result: RunResult = sandbox.run_python(code, timeout=timeout)
    except (GuestUnavailableError, ConfigError):
        raise
    except AirlockError as e:
        raise WasmtimeExecutionError(f"execution failed: {e}") from e
    if result.exit_code is None:
        raise WasmtimeExecutionError(f"execution failed: {result.message}", result)
    return {"exit_code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}


def execute_python_in_sandbox(code: str, timeout: Optional[float] = None) -> Result:
    """Runs ``code`` in a fresh sandboxed CPython and returns
    ``{"exit_code": int, "stdout": str, "stderr": str}``.

    An exception in the code is a result (exit code 1, traceback in ``stderr``), not an error
    here. Raises :class:`WasmtimeExecutionError` if the run timed out (``timeout`` seconds,
    default 30), hit a limit or trapped, and :class:`WasmtimeBinaryNotFoundError` if the Python
    guest is not installed.
    """
    return _run(_SANDBOX, code, timeout)


def wasmtime_smoke_test() -> bool:
    """True if sandboxed Python works here: runs a small program and checks its output.

    Never raises; on failure it logs why (logger ``airlock``) and returns False.
    """
    try:
        result = execute_python_in_sandbox(
            "import sys\nprint(sum(range(10)), sys.platform)", timeout=DEFAULT_TIMEOUT
        )
    except Exception as e:  # the contract is a bool: every failure is False
        logger.warning("airlock smoke test failed: %s", e)
        return False
    if result["exit_code"] != 0 or result["stdout"] != "45 wasi\n":
        logger.warning(
            "airlock smoke test: unexpected result %r (stderr %r)",
            result["stdout"],
            result["stderr"],
        )
        return False
    return True


class WasmtimeCore:
    """A sandbox with a workspace directory: ``initialize_sandbox`` runs Python code that sees
    the workspace (read-write) at ``/workspace`` and nothing else of the host.

    ``workspace`` is created if it does not exist (``None``: a new private temporary
    directory). :meth:`cleanup` removes it if this object created it, and leaves a directory
    that was already there in place. Usable as a context manager.
    """

    def __init__(
        self, workspace: Union[str, "os.PathLike[str]", None] = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._created = False
        if workspace is None:
            self.workspace = Path(tempfile.mkdtemp(prefix="airlock-workspace-"))
            self._created = True
        else:
            # Absolute from here on: a later chdir must not change what is mounted or removed.
            self.workspace = Path(workspace).resolve()
            self._created = not self.workspace.exists()
            try:
                self.workspace.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as e:
                raise ConfigError(f"workspace {self.workspace}: {e}") from e
            if not self.workspace.is_dir():
                raise ConfigError(f"workspace {self.workspace} is not a directory")
        self.timeout = timeout
        try:
            self._sandbox: Optional[Sandbox] = Sandbox(
                timeout=timeout, mounts=[(str(self.workspace), WORKSPACE_MOUNT, True)]
            )
        except BaseException:
            self.cleanup()  # nothing left behind by a core that could not be made
            raise

    def initialize_sandbox(self, python_code: str, timeout: Optional[float] = None) -> Result:
        """Runs ``python_code`` in a fresh sandbox with the workspace mounted; returns
        ``{"exit_code", "stdout", "stderr"}``. ``timeout`` in seconds (default: the core's).

        Raises :class:`WasmtimeExecutionError` on timeout, limits, traps, or after
        :meth:`cleanup`.
        """
        if self._sandbox is None:
            raise WasmtimeExecutionError("this WasmtimeCore was cleaned up")
        return _run(self._sandbox, python_code, timeout)

    def cleanup(self) -> None:
        """Ends this core: removes the workspace if it was created here. Safe to call twice."""
        self._sandbox = None
        if self._created:
            shutil.rmtree(self.workspace, ignore_errors=True)
            self._created = False

    def __enter__(self) -> "WasmtimeCore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def __repr__(self) -> str:
        state = "cleaned up" if self._sandbox is None else f"timeout={self.timeout}"
        return f"WasmtimeCore(workspace={str(self.workspace)!r}, {state})"

"""airlock: run untrusted Python, JavaScript and WebAssembly hermetically, and see what it did.

::

    import airlock

    sandbox = airlock.Sandbox(timeout=5, memory=128 << 20)
    result = sandbox.run_python("print(sum(range(10)))")
    result.stdout            # '45\\n'
    result.check()           # raises ExecutionError unless it exited with 0

    with sandbox.python_session() as session:
        session.exec("x = 41")
        session.exec("print(x + 1)").stdout    # '42\\n'

    airlock.analyze("download.js").verdict       # 'malicious', 'suspicious', 'benign', ...

Every run gets a fresh sandbox that sees nothing of the host unless granted (no files, no
environment variables, never the network) and has finite limits (10 s, 256 MiB, 1 MiB of output
per stream by default). Runs release the GIL: threads can run many sandboxes at once.

The Python and JavaScript guests are installed once with ``python -m airlock install python``
(and ``js``); they are shared with the ``airlock`` command-line tool.

The seed guide's API is here too: :func:`execute_python_in_sandbox`,
:func:`wasmtime_smoke_test` and :class:`WasmtimeCore` (see :mod:`airlock.wasmtime_core`).
"""

from typing import Any, NamedTuple, Optional, Union

from . import exceptions
from ._airlock import (
    REPORT_VERSION,
    Analysis,
    Program,
    PythonSession,
    RunResult,
    Sandbox,
    __version__,
    analyze,
    guests,
    install,
)
from .exceptions import *  # noqa: F401,F403
from .exceptions import __all__ as _exceptions_all
from .wasmtime_core import WasmtimeCore, execute_python_in_sandbox, wasmtime_smoke_test


class Mount(NamedTuple):
    """A host directory made visible to the guest at ``guest`` (read-only unless ``writable``)."""

    host: str
    guest: str
    writable: bool = False


_default: Optional[Sandbox] = None


def default_sandbox() -> Sandbox:
    """The sandbox used by the module-level :func:`run_python`, :func:`run_js` and
    :func:`run_wasm`: default limits, nothing granted."""
    global _default
    if _default is None:
        _default = Sandbox()
    return _default


def run_python(code: Union[str, bytes], **kwargs: Any) -> RunResult:
    """:meth:`Sandbox.run_python` in the default sandbox."""
    return default_sandbox().run_python(code, **kwargs)


def run_js(code: Union[str, bytes], **kwargs: Any) -> RunResult:
    """:meth:`Sandbox.run_js` in the default sandbox."""
    return default_sandbox().run_js(code, **kwargs)


def run_wasm(module: Any, **kwargs: Any) -> RunResult:
    """:meth:`Sandbox.run_wasm` in the default sandbox."""
    return default_sandbox().run_wasm(module, **kwargs)


__all__ = [
    "REPORT_VERSION",
    "Analysis",
    "Mount",
    "Program",
    "PythonSession",
    "RunResult",
    "Sandbox",
    "WasmtimeCore",
    "__version__",
    "analyze",
    "default_sandbox",
    "exceptions",
    "execute_python_in_sandbox",
    "guests",
    "install",
    "run_js",
    "run_python",
    "run_wasm",
    "wasmtime_smoke_test",
    *_exceptions_all,
]

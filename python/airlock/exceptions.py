"""The exceptions airlock raises: one hierarchy, rooted in :class:`AirlockError`.

Failures that stop a guest from *starting* (a missing guest runtime, an invalid module, a bad
setting) are raised by the call. Everything that happens once the guest runs (exit codes,
timeouts, limits, traps) is in the :class:`~airlock.RunResult`; :meth:`RunResult.check` (and the
seed guide's API) turn the unsuccessful ones into :class:`ExecutionError`.

Every exception has ``kind``, the stable snake_case name of its class of failure. For errors
raised by the library (everything but ``ExecutionError`` and its subclasses) it is the library's
``ErrorKind`` name, the same as the ``error.kind`` of the CLI's JSON output.

::

    AirlockError
    ├── GuestUnavailableError        (alias: WasmtimeBinaryNotFoundError)
    ├── ConfigError                  (also a ValueError)
    ├── InvalidInputError            (also a ValueError)
    │   ├── InvalidModuleError
    │   ├── MissingEntryError
    │   ├── UnknownImportError
    │   ├── IncompatibleImportError
    │   └── InputTooLargeError
    ├── InputReadError               (also an OSError)
    ├── OutputWriteError             (also an OSError)
    ├── CacheError                   (also an OSError)
    ├── SessionEndedError
    ├── SandboxBusyError
    ├── ExecutionError               (alias: WasmtimeExecutionError)
    │   ├── SandboxTimeoutError      (also a TimeoutError)
    │   ├── LimitExceededError       (fuel, memory or output limit)
    │   ├── GuestTrapError
    │   └── NonZeroExitError
    └── InternalError
"""

from typing import Any, Optional

__all__ = [
    "AirlockError",
    "GuestUnavailableError",
    "WasmtimeBinaryNotFoundError",
    "ConfigError",
    "InvalidInputError",
    "InvalidModuleError",
    "MissingEntryError",
    "UnknownImportError",
    "IncompatibleImportError",
    "InputTooLargeError",
    "InputReadError",
    "OutputWriteError",
    "CacheError",
    "SessionEndedError",
    "SandboxBusyError",
    "ExecutionError",
    "WasmtimeExecutionError",
    "SandboxTimeoutError",
    "LimitExceededError",
    "GuestTrapError",
    "NonZeroExitError",
    "InternalError",
]


class AirlockError(Exception):
    """The base of every exception airlock raises."""

    kind: str = "internal"


class GuestUnavailableError(AirlockError):
    """A guest runtime (Python or JavaScript) is not installed or not usable.

    ``hint`` is the command that installs it (``python -m airlock install python``).
    """

    kind = "guest_unavailable"
    guest: Optional[str] = None
    hint: Optional[str] = None


#: The seed guide's name: the runtime cannot be found.
WasmtimeBinaryNotFoundError = GuestUnavailableError


class ConfigError(AirlockError, ValueError):
    """A limit, mount, environment or argument is not acceptable."""

    kind = "config"


class InvalidInputError(AirlockError, ValueError):
    """The code or module given cannot be run as it is."""

    kind = "invalid_input"


class InvalidModuleError(InvalidInputError):
    """Not a valid WebAssembly module or component; ``offset`` and ``section`` say where."""

    kind = "invalid_module"
    offset: Optional[int] = None
    section: Optional[str] = None


class MissingEntryError(InvalidInputError):
    """The module has no entry point (``_start``, or ``wasi:cli/run`` for a component)."""

    kind = "missing_entry"


class UnknownImportError(InvalidInputError):
    """The module imports something the sandbox does not provide (``module``, ``field``)."""

    kind = "unknown_import"


class IncompatibleImportError(InvalidInputError):
    """The module imports something the sandbox provides, with another type."""

    kind = "incompatible_import"


class InputTooLargeError(InvalidInputError):
    """The input is over the size limit (``size`` and ``limit`` in bytes)."""

    kind = "too_large"


class InputReadError(AirlockError, OSError):
    """An input file could not be read (``path``)."""

    kind = "io"


class OutputWriteError(AirlockError, OSError):
    """An output file could not be written (``path``)."""

    kind = "write"


class CacheError(AirlockError, OSError):
    """The compiled-code cache failed in a way it could not heal (``path``)."""

    kind = "cache"


class SessionEndedError(AirlockError):
    """The session's interpreter was stopped (timeout, trap, fuel), exited (os._exit) or closed.

    Reset the session to go on."""

    kind = "session_ended"


class SandboxBusyError(AirlockError):
    """Every slot of the sandbox was taken by runs and live sessions (``max_concurrent_runs``),
    so the guest could not start: nothing of it ran. Retry when one has ended (a session holds
    its slot until it is closed)."""

    kind = "busy"


class ExecutionError(AirlockError):
    """The guest ran but did not succeed. ``result`` is its :class:`~airlock.RunResult`
    (None when the run could not start)."""

    kind = "execution"

    def __init__(self, message: str = "", result: Any = None) -> None:
        super().__init__(message)
        self.result = result


#: The seed guide's name: execution failed or timed out.
WasmtimeExecutionError = ExecutionError


class SandboxTimeoutError(ExecutionError, TimeoutError):
    """The wall-clock limit expired."""

    kind = "timeout"


class LimitExceededError(ExecutionError):
    """The guest ran out of fuel, memory, output allowance, host handles or table elements."""

    kind = "limit"


class GuestTrapError(ExecutionError):
    """The guest trapped (unreachable, out-of-bounds access, stack overflow, ...)."""

    kind = "trap"


class NonZeroExitError(ExecutionError):
    """The guest exited with a code other than 0."""

    kind = "nonzero_exit"


class InternalError(AirlockError):
    """A failure inside airlock or wasmtime that is not the input's fault."""

    kind = "internal"

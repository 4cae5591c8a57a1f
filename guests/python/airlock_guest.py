"""airlock's Python guest.

The installer runs this module once, inside the freshly started interpreter (see
guests/python/glue.c), and then snapshots the instance: what is imported here is in every
sandbox from its first instruction. The host then calls `run` with the user's code. Everything
else a user's code needs (the rest of the standard library) is read from the directory the host
mounts read-only at /python, with bytecode compiled at install.
"""

import gc
import os
import sys

# Modules most snippets use, imported now so that they cost nothing at run time.
import base64  # noqa: E402,F401
import collections  # noqa: E402,F401
import dataclasses  # noqa: E402,F401
import datetime  # noqa: E402,F401
import functools  # noqa: E402,F401
import itertools  # noqa: E402,F401
import json  # noqa: E402,F401
import linecache  # noqa: E402
import math  # noqa: E402,F401
import random  # noqa: E402
import re  # noqa: E402,F401
import string  # noqa: E402,F401
import traceback  # noqa: E402
import types  # noqa: E402
import typing  # noqa: E402,F401

# Output goes to the host as it is written: a line at a time (at most 8 KiB is held back).
for _stream in (sys.stdout, sys.stderr):
    _stream.reconfigure(line_buffering=True, write_through=False)

_started = False


def _first_call(env):
    """Per-instance set-up: the environment of this run, and fresh random state (the snapshot
    would otherwise give every sandbox the same sequence)."""
    global _started
    _started = True
    os.environ.clear()
    for key, value in env:
        os.environ[key] = value
    random.seed()


def _new_main():
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = main
    return main


_main = None


def _exit_status(exc):
    """The process exit status CPython gives a `SystemExit` (on a 64-bit host: an int is cut
    to 32 bits, as C's `(int)` cut of a `long` does)."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return (code + 2**31) % 2**32 - 2**31
    try:
        print(code, file=sys.stderr)
    except BaseException:
        pass
    return 1


def _print_uncaught(exc):
    # Drop the frame of `run` itself, as the interpreter does for a script.
    tb = exc.__traceback__
    if tb is not None and tb.tb_frame.f_code is _run.__code__:
        tb = tb.tb_next
    try:
        traceback.print_exception(type(exc), exc, tb)
    except BaseException:
        # Printing can fail too (MemoryError): say the least that can be said.
        try:
            sys.stderr.write(f"{type(exc).__name__}\n")
        except BaseException:
            pass


def _run(code, filename, argv, env):
    global _main
    if not _started:
        _first_call(env)
    if _main is None:
        _main = _new_main()
    sys.argv = list(argv)
    if filename.startswith("<") is False:
        _main.__dict__["__file__"] = filename
    try:
        source = code.decode("utf-8", "surrogateescape")
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        del source
        compiled = compile(code, filename, "exec", dont_inherit=True)
        del code
        exec(compiled, _main.__dict__)
        return 0
    except SystemExit as exc:
        return _exit_status(exc)
    except BaseException as exc:
        _print_uncaught(exc)
        return 1


def _warm_up():
    """Runs typical code once before the snapshot, so that what CPython initializes lazily
    (method caches, the compiler's and the traceback printer's first-use work) is done once at
    build time instead of in every sandbox. Its output goes nowhere; no state is kept."""
    import io

    global _main, _started
    saved = sys.stdout, sys.stderr, sys.modules["__main__"]
    sys.stdout = sys.stderr = io.StringIO()
    try:
        for snippet in (
            b"print('hello')\nx = [i * i for i in range(10)]\nprint(sum(x), len(str(x)))\n",
            b"def f(n):\n    return 1 / n\nf(0)\n",
            b"import sys\nsys.exit(0)\n",
            b"print(\n",
        ):
            _main = None
            _run(snippet, "<string>", ["-c"], [])
    finally:
        sys.stdout, sys.stderr, sys.modules["__main__"] = saved
        _main = None
        _started = False
        linecache.cache.clear()
        sys.argv = [""]


def _fields(data):
    """The run's data: fields of a 4-byte little-endian length and that many bytes."""
    fields = []
    at = 0
    while at < len(data):
        n = int.from_bytes(data[at : at + 4], "little")
        fields.append(data[at + 4 : at + 4 + n])
        at += 4 + n
    return fields


def run(data):
    """Runs a call's data (bytes the host wrote): the code, the file name, the number of
    arguments, the arguments (`sys.argv`), then the environment's names and values (taken on
    the instance's first call). Returns the exit status."""
    try:
        fields = _fields(data)
        code, filename, argc = fields[0], fields[1], int(fields[2])
        del fields[:3]
        text = [f.decode("utf-8", "surrogateescape") for f in fields]
        argv, env = text[:argc], text[argc:]
        del fields, text
        status = _run(
            code,
            filename.decode("utf-8", "surrogateescape"),
            argv,
            list(zip(env[::2], env[1::2])),
        )
    except BaseException as exc:
        # Only airlock's own code can fail here (the user's is handled inside `_run`).
        _print_uncaught(exc)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    return status


_warm_up()

# Everything built so far lives as long as the snapshot: keep the collector off it, so that
# collections in a sandbox neither scan nor dirty those pages.
gc.collect()
gc.freeze()

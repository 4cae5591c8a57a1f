"""Benchmarks of the Python face (issue 7). Prints figures; asserts nothing.

    target/pyvenv/bin/python python/bench/bench.py [--rounds 10] [--calls 200]

1. Per-call overhead of the Python face over the Rust library: the same runs, made in one
   process, alternately by the Rust library in a loop (``_native_timings``, no Python in
   between) and through ``Sandbox.run_wasm`` / ``Sandbox.run_python`` from a Python loop.
   The overhead is the difference of the medians (target: <= 50 us).
2. ``execute_python_in_sandbox`` calls per second, one thread and several threads.
"""

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import airlock
from airlock import _airlock

ROOT = Path(__file__).resolve().parents[2]


def python_timings(call, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def compare(label, native, face, rounds, calls):
    """Alternates rounds of native and Python-face runs; returns both lists of timings."""
    native_all, face_all = [], []
    native(calls // 4)  # warm up both paths
    face(calls // 4)
    for _ in range(rounds):
        native_all += native(calls)
        face_all += face(calls)
    n_med = statistics.median(native_all)
    f_med = statistics.median(face_all)
    print(
        f"{label:34} Rust library {n_med * 1e6:9.1f} us   Python face {f_med * 1e6:9.1f} us"
        f"   overhead {(f_med - n_med) * 1e6:6.1f} us   ({len(face_all)} calls each)"
    )
    return f_med - n_med


def rate(fn, seconds):
    n = 0
    end = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < end:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()

    sb = airlock.Sandbox()
    print(f"airlock {airlock.__version__}, CPython {sys.version.split()[0]}, {os.cpu_count()} cores")
    print("== per-call overhead of the Python face (median of each)")
    program = sb.load_wasm(ROOT / "tests" / "guests" / "hello.wat")
    compare(
        "run_wasm(hello.wat)",
        lambda n: _airlock._native_timings(sb, program, n),
        lambda n: python_timings(lambda: sb.run_wasm(program), n),
        args.rounds,
        args.calls,
    )
    code = "pass"
    compare(
        "run_python('pass'), fresh sandbox",
        lambda n: _airlock._native_timings(sb, code, n),
        lambda n: python_timings(lambda: sb.run_python(code), n),
        args.rounds,
        args.calls // 4,
    )
    compare(
        "execute_python_in_sandbox('pass')",
        lambda n: _airlock._native_timings(sb, code, n),
        lambda n: python_timings(lambda: airlock.execute_python_in_sandbox(code), n),
        args.rounds,
        args.calls // 4,
    )

    print("== execute_python_in_sandbox('print(1)') calls per second")
    one = rate(lambda: airlock.execute_python_in_sandbox("print(1)"), args.seconds)
    print(f"1 thread   {one:8.0f} calls/s")
    for threads in (2, 4):
        with ThreadPoolExecutor(threads) as pool:
            per = list(pool.map(lambda _: rate(lambda: airlock.execute_python_in_sandbox("print(1)"), args.seconds), range(threads)))
        print(f"{threads} threads  {sum(per):8.0f} calls/s")


if __name__ == "__main__":
    main()

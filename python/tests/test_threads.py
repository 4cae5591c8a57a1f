"""Runs release the GIL: Python threads run sandboxes at once, and other Python code runs
while a guest does."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import airlock


def test_python_threads_run_while_a_guest_runs():
    sb = airlock.Sandbox()
    started = threading.Event()
    box = {}

    def guest():
        started.set()
        box["t0"] = time.monotonic()
        box["result"] = sb.run_python("import time; time.sleep(1.0)")

    t = threading.Thread(target=guest)
    t.start()
    started.wait()
    time.sleep(0.1)
    resumed = time.monotonic()  # this thread runs Python again
    t.join()
    r = box["result"]
    assert r.exit_code == 0 and r.duration >= 1.0
    # Had the call held the GIL, this thread could only have resumed after the call returned,
    # that is at least t0 + duration.
    assert resumed < box["t0"] + r.duration


def test_many_threads_many_sandboxes():
    sb = airlock.Sandbox()
    codes = {i: f"import sys\nprint({i}, sum(range({i} * 1000)))\nsys.exit({i % 3})" for i in range(40)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(codes, pool.map(sb.run_python, codes.values())))
    for i, r in results.items():
        assert r.stdout == f"{i} {sum(range(i * 1000))}\n"
        assert r.exit_code == i % 3


def test_mixed_guests_in_threads(guests_dir):
    sb = airlock.Sandbox()
    hello = sb.load_wasm(guests_dir / "hello.wat")
    jobs = [
        lambda: sb.run_python("print('py')").stdout,
        lambda: sb.run_js("console.log('js')").stdout,
        lambda: sb.run_wasm(hello).stdout,
    ] * 8
    with ThreadPoolExecutor(max_workers=6) as pool:
        outs = list(pool.map(lambda f: f(), jobs))
    assert outs == ["py\n", "js\n", "hello\n"] * 8


def test_one_session_shared_by_threads_takes_turns():
    sb = airlock.Sandbox()
    with sb.python_session() as s:
        s.exec("n = 0")

        def bump(_):
            return s.exec("n += 1").ok

        with ThreadPoolExecutor(max_workers=4) as pool:
            assert all(pool.map(bump, range(20)))
        assert s.exec("print(n)").stdout == "20\n"

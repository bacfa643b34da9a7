# SPDX-License-Identifier: MIT
"""Tiny test runner for the krest integration tests.

    KREST_BIN=bin /usr/bin/python3 test/integration/run.py [pattern...]

Finds test_*.py next to this file and runs their test_* functions in file
order. A pattern selects tests whose "module.function" name contains it (or
matches it as a glob). A module may define setup_module() and
teardown_module() (shared broker + daemon); a failing setup fails all of its
tests, a failing teardown counts as one more failure. Each test has a time
limit (module TIMEOUT, default 120 s). Prints PASS/FAIL lines and ends with
"integration: N passed, M failed"; exits 1 on any failure.
"""

import fnmatch
import importlib
import os
import shutil
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


class TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout("test time limit reached")


def selected(name, patterns):
    if not patterns:
        return True
    return any(p in name or fnmatch.fnmatch(name, p) for p in patterns)


def print_daemon_logs():
    for k in list(harness.RUNNING):
        print("    --- krestd log (%s), last lines ---" % k.log_path)
        for line in k.log_tail(25).splitlines():
            print("    | " + line)


def run_call(fn, limit):
    """Runs fn under a time limit. Returns None or the formatted error."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        fn()
        return None
    except BaseException as e:  # noqa: B902 - report everything
        if isinstance(e, KeyboardInterrupt):
            raise
        return traceback.format_exc()
    finally:
        signal.alarm(0)


def main(patterns):
    os.chdir(harness.ROOT)
    passed = failed = 0
    failures = []
    t_all = time.monotonic()
    files = sorted(f for f in os.listdir(HERE)
                   if f.startswith("test_") and f.endswith(".py"))
    for f in files:
        modname = f[:-3]
        mod = importlib.import_module(modname)
        tests = [(n, fn) for n, fn in vars(mod).items()
                 if n.startswith("test_") and callable(fn)
                 and selected(modname + "." + n, patterns)]
        if not tests:
            continue
        tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
        limit = getattr(mod, "TIMEOUT", 120)
        setup_err = None
        if hasattr(mod, "setup_module"):
            setup_err = run_call(mod.setup_module, 120)
        for n, fn in tests:
            name = modname + "." + n
            t0 = time.monotonic()
            err = setup_err or run_call(fn, limit)
            took = time.monotonic() - t0
            if err is None:
                passed += 1
                print("PASS %s (%.1fs)" % (name, took), flush=True)
            else:
                failed += 1
                failures.append(name)
                print("FAIL %s (%.1fs)" % (name, took))
                if setup_err:
                    print("    (setup_module failed)")
                print("    " + err.rstrip().replace("\n", "\n    "))
                print_daemon_logs()
                sys.stdout.flush()
        if hasattr(mod, "teardown_module"):
            err = run_call(mod.teardown_module, 120)
            if err is not None:
                failed += 1
                failures.append(modname + ".teardown_module")
                print("FAIL %s.teardown_module" % modname)
                print("    " + err.rstrip().replace("\n", "\n    "))
        # Whatever a failed test left running is stopped here, by PID.
        for k in list(harness.RUNNING):
            k.kill()
        for b in list(harness.BROKERS):
            b.stop()
    if failures:
        print("failed: " + " ".join(failures))
        if harness.tmp_root():
            print("logs kept in " + harness.tmp_root())
    elif harness.tmp_root():
        shutil.rmtree(harness.tmp_root(), ignore_errors=True)
    print("integration: %.0fs" % (time.monotonic() - t_all))
    print("integration: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

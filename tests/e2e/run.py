#!/usr/bin/env python3
"""Runs every tests/e2e/test_*.py against STET_BIN (default build/stet) and ends with
the line `e2e: N passed, N failed, N skipped`; exits non-zero when anything failed.
Backend: STET_E2E_BACKEND=sqlite (default) or postgres with STET_E2E_PG_DIR (a
cluster from `tools/pg-cluster.sh start DIR`).
Usage: run.py [-v] [-k PATTERN] [MODULE...]"""

import argparse
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class CountingResult(unittest.TextTestResult):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.passed = 0
        self.class_errors = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1

    def addError(self, test, err):
        super().addError(test, err)
        # setUpClass/tearDownClass errors arrive as an _ErrorHolder, not a test.
        # Set-up errors leave their tests unrun (counted below); tear-down errors
        # (a sanitizer report, a bad exit) come after passes and count on their own.
        if not isinstance(test, unittest.TestCase) and "setUp" not in str(test):
            self.class_errors += 1

    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        took = time.monotonic() - getattr(self, "_t0", time.monotonic())
        if took > 10:
            self.stream.writeln("  (slow: %s took %.1f s)" % (test.id(), took))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-k", dest="patterns", action="append", default=None,
                    help="only tests whose name contains this (repeatable)")
    ap.add_argument("modules", nargs="*", help="test module names, e.g. test_api")
    args = ap.parse_args()

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in args.patterns]
    if args.modules:
        suite = unittest.TestSuite(loader.loadTestsFromName(m.replace(".py", ""))
                                   for m in args.modules)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    total = suite.countTestCases()

    from harness import BACKEND, IS_POSTGRES, PG_DIR, stet_bin
    print("e2e: %d tests against %s on %s" % (total, stet_bin(), BACKEND), flush=True)
    if IS_POSTGRES and not (PG_DIR and os.path.isdir(PG_DIR)):
        print("e2e: STET_E2E_BACKEND=postgres needs STET_E2E_PG_DIR, a running cluster's "
              "directory (tools/pg-cluster.sh start DIR); got %r" % PG_DIR)
        print("e2e: 0 passed, 1 failed, 0 skipped", flush=True)
        return 1
    t0 = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2 if args.verbose else 1,
                                     resultclass=CountingResult)
    result = runner.run(suite)
    skipped = len(result.skipped)
    # Tests that never ran (their class failed to set up) count as failed.
    failed = total - result.passed - skipped + result.class_errors
    if failed == 0 and (result.failures or result.errors or result.unexpectedSuccesses):
        failed = 1
    print("(%.1f s, %d skipped)" % (time.monotonic() - t0, skipped))
    print("e2e: %d passed, %d failed, %d skipped" % (result.passed, failed, skipped), flush=True)
    return 1 if failed or result.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

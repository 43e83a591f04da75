#!/usr/bin/env python3
"""tests/sanitizers/tracer_crashes.py JUNIT - names the failed tests of a
ctest JUnit report whose only fault is LeakSanitizer's own tracer crashing.

LeakSanitizer stops the world with a ptrace tracer at process exit; that
tracer sometimes dies of SIGSEGV itself ("Tracer caught signal 11" then
"LeakSanitizer has encountered a fatal error"; google/sanitizers#1353), a
failure of the tool, not a finding about the test. run.sh retries such
tests. Prints one failed test name a line and exits 0 when every failed
test is such a crash; exits 1 (printing nothing) when any failure holds a
real report (a leak, an ASan error, undefined behaviour) or no tracer crash
at all, so that nothing real is ever retried away.
"""
import re
import sys
import xml.etree.ElementTree as ET

CRASH = ("Tracer caught signal", "LeakSanitizer has encountered a fatal error")
# A leak report, an ASan or UBSan report, a failed Check or shell assertion, a timeout.
FINDINGS = re.compile(r"ERROR: LeakSanitizer: detected|ERROR: AddressSanitizer|runtime error:"
                      r"|Failures: [1-9]|:F:|FAIL|Assertion|Timeout")


def main() -> int:
    crashed = []
    for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
        if case.get("status") not in ("fail", "failed") and case.find("failure") is None:
            continue
        out = "".join(e.text or "" for e in case.iter() if e.tag in ("system-out", "failure"))
        real = FINDINGS.search(out) is not None or not all(c in out for c in CRASH)
        if real:
            return 1
        crashed.append(case.get("name"))
    if not crashed:
        return 1
    print("\n".join(crashed))
    return 0


if __name__ == "__main__":
    sys.exit(main())

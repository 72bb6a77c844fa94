"""Say loudly whether the browser tests can run (Debian's chromium at /usr/bin/chromium)."""

import os
import sys

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
if os.path.exists(CHROMIUM):
    print(f"Browser tests will run in {CHROMIUM}.")
else:
    print("!" * 78)
    print(f"!!! {CHROMIUM} not found: the browser tests will be SKIPPED.")
    print("!!! Install Debian's packages `chromium` and `fonts-noto-cjk` to run them.")
    print("!" * 78)
    if os.environ.get("REQUIRE_E2E"):
        sys.exit("REQUIRE_E2E is set and Chromium is missing.")

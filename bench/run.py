"""Run every benchmark in its own process, once per database it declares. Prints figures only.

make bench                      # all
python bench/run.py orgs        # only bench_orgs.py
BENCH_DB=sqlite make bench      # only SQLite
BENCH_LOAD_TIME=30s python bench/run.py load   # the load test (50 users, 2 minutes by default)
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = set(sys.argv[1:])
    wanted_dbs = set(filter(None, os.environ.get("BENCH_DB", "sqlite,pg").split(",")))
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        spec = importlib.util.spec_from_file_location(script.stem, script)
        source = script.read_text()
        dbs = ("sqlite", "pg")
        if "DATABASES" in source:
            namespace: dict = {}
            for line in source.splitlines():
                if line.startswith("DATABASES"):
                    exec(line, namespace)  # noqa: S102 — our own constant line
            dbs = namespace["DATABASES"]
        for db in dbs:
            if db not in wanted_dbs:
                continue
            print(f"== {name} on {db} ==", flush=True)
            code = subprocess.call([sys.executable, str(script), db], cwd=HERE.parent)
            if code:
                print(f"  (benchmark {name} on {db} exited with {code})")
        del spec
    return 0


if __name__ == "__main__":
    sys.exit(main())

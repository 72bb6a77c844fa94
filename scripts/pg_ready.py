"""Exit 0 if the PostgreSQL server named by the URL argument accepts connections."""

import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001 — any failure means "not ready"
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)

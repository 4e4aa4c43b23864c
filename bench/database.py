"""The bench's own database: `<name>_bench` on the same server as the developer's."""

from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

SUFFIX = "_bench"


def bench_name(name: str) -> str:
    return name if name.endswith(SUFFIX) else f"{name}{SUFFIX}"


def bench_url(url: str, name: str) -> str:
    """DATABASE_URL with only the database name replaced: host (a percent-encoded socket
    directory included), port, credentials and query options stay as they were."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def create_if_missing(db: dict, name: str) -> bool:
    """Create the database (connected to `postgres`, autocommit); True if it was created."""
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 10,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True

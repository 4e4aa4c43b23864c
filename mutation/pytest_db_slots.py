"""A pytest plugin for `make mutation`: mutmut 3 runs each mutant's tests in a process of its
own, two at a time, and both would otherwise create, use and drop the same test database.

Each test process takes the first free slot (an flock on mutants/.db-slot-N, released when the
process ends) and starts on a fresh copy, `test_<name>_mN`, of a template database migrated
once per run (`test_<name>_template`): a copy takes a fraction of a second, the migrations
many. pytest-django then finds the copy in place (--reuse-db). mutation/run.py drops the
template before a run, so a run never starts on an old schema."""

import fcntl
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

SLOTS = 8
_held = []  # the slot's lock file stays open (and locked) until the process exits
_base = None  # the test database's own name, before a slot's suffix


def template_name(base: str) -> str:
    return f"{base}_template"


def _admin_connection(database: dict):
    return psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _ensure_template(database: dict, template: str) -> None:
    with open(Path.cwd() / ".db-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process migrates, the others wait for it
        with _admin_connection(database) as admin, admin.cursor() as cursor:
            if _exists(cursor, template):
                return
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
        url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{template}").geturl()
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
        )


def pytest_configure(config):
    if config.option.collectonly:
        return
    from django.conf import settings

    global _base
    database = settings.DATABASES["default"]
    # A forked test process has run this already, in its parent: suffix the name once.
    _base = _base or (database.get("TEST") or {}).get("NAME") or f"test_{database['NAME']}"
    template = template_name(_base)
    _ensure_template(database, template)
    for slot in range(SLOTS):
        handle = open(Path.cwd() / f".db-slot-{slot}", "w")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held.append(handle)
        name = f"{_base}_m{slot}"
        with _admin_connection(database) as admin, admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        # The connection handler shares this dict, so the change reaches it even when Django
        # was set up before the fork.
        database.setdefault("TEST", {})["NAME"] = name
        return
    raise RuntimeError(f"all {SLOTS} mutation database slots are taken")

"""A pytest plugin for `make mutation`: mutmut 3 runs each mutant's tests in a process of its
own, two at a time, and both would otherwise create, migrate, use and drop the same test
database, one mutant after another.

Instead, a template database is migrated once per run (`test_<name>_template`; mutation/run.py
drops it first, so a run never starts on an old schema). A test process that needs the
database takes the first free slot (an flock on mutants/.db-slot-N, held until the process
ends): the slot's database `test_<name>_mN` is copied from the template once, and every later
process on it puts the template's rows back (flush, then load them) instead, because dropping
and copying a database takes seconds on a busy server. Processes needing no database skip it.

A mutant's tests run fastest first (their times in mutants/mutmut-stats.json): mutmut stops
at the first failure, and the quick pins kill most mutants before a slow test starts."""

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

SLOTS = 8
_held = []  # the slot's lock file stays open (and locked) until the process exits


def _admin_connection(database: dict):
    return psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _ensure_template(database: dict, template: str) -> None:
    with open(Path.cwd() / ".db-template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process migrates it, the others wait
        with _admin_connection(database) as admin, admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
            if cursor.fetchone():
                return
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
        url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{template}").geturl()
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
        )


def _slot(database: dict, base: str) -> tuple[str, bool]:
    """Lock the first free slot; (its database, whether it was just copied from the template)."""
    template = f"{base}_template"
    _ensure_template(database, template)
    for slot in range(SLOTS):
        handle = open(Path.cwd() / f".db-slot-{slot}", "w")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held.append(handle)
        name = f"{base}_m{slot}"
        with _admin_connection(database) as admin, admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return name, False
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        return name, True
    raise RuntimeError(f"all {SLOTS} mutation database slots are taken")


class SlotDatabase:
    """Registered at configure time, after pytest-django, so this django_db_setup is the one used."""

    def __init__(self):
        self.base = None  # the test database's name before a slot's suffix, read once per process

    @pytest.fixture(scope="session")
    def django_db_setup(self, request, django_test_environment, django_db_blocker):
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        database = settings.DATABASES["default"]
        self.base = self.base or (database.get("TEST") or {}).get("NAME") or f"test_{database['NAME']}"
        name, fresh = _slot(database, self.base)
        connection = connections["default"]
        connection.close()
        database["NAME"] = connection.settings_dict["NAME"] = name
        pristine = Path.cwd() / ".db-template.json"
        with django_db_blocker.unblock():
            if fresh:
                contents = connection.creation.serialize_db_to_string()
                with open(Path.cwd() / ".db-template.lock", "w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    if not pristine.exists():
                        pristine.write_text(contents)
            else:
                # The process before may have emptied the tables (a transactional test's
                # flush) or been killed mid-test: back to the template's rows, as a
                # serialized_rollback test does.
                contents = pristine.read_text()
                call_command("flush", verbosity=0, interactive=False, database="default", inhibit_post_migrate=True)
                connection.creation.deserialize_db_from_string(contents)
            connection._test_serialized_contents = contents  # what serialized_rollback restores
        yield


_slot_database = SlotDatabase()


def _transactional(item) -> bool:
    # As pytest-django orders them: a transactional test flushes every table when it ends, the
    # migrations' rows (purposes, groups) included, so it must run after the others.
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )


def pytest_collection_modifyitems(items):
    stats = Path.cwd() / "mutmut-stats.json"
    if stats.exists():
        duration = json.loads(stats.read_text())["duration_by_test"]
        items.sort(key=lambda item: (_transactional(item), duration.get(item.nodeid.removeprefix("mutants/"), 0.0)))


def pytest_configure(config):
    if not config.pluginmanager.is_registered(_slot_database):
        config.pluginmanager.register(_slot_database, "mutation-slot-database")

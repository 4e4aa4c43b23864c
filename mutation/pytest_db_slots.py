"""A pytest plugin for `make mutation`: mutmut 3 runs each mutant's tests in a process of its
own, two at a time, and both would otherwise create, migrate, use and drop the same test
database, one mutant after another.

Instead, a template database is migrated once per run (`test_<name>_template`; mutation/run.py
drops it first, so a run never starts on an old schema). A test process that needs the
database takes the first free slot (an flock on mutants/.db-slot-N, held until the process
ends) and starts on a fresh copy of the template, `test_<name>_mN`: a copy takes a fraction of
a second, the migrations many. Processes whose tests need no database copy nothing."""

import fcntl
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


def _slot_copy(database: dict, base: str) -> str:
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
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        return name
    raise RuntimeError(f"all {SLOTS} mutation database slots are taken")


class SlotDatabase:
    """Registered at configure time, after pytest-django, so this django_db_setup is the one used."""

    def __init__(self):
        self.base = None  # the test database's name before a slot's suffix, read once per process

    @pytest.fixture(scope="session")
    def django_db_setup(self, request, django_test_environment, django_db_blocker):
        from django.conf import settings
        from django.db import connections

        database = settings.DATABASES["default"]
        self.base = self.base or (database.get("TEST") or {}).get("NAME") or f"test_{database['NAME']}"
        name = _slot_copy(database, self.base)
        connection = connections["default"]
        connection.close()
        database["NAME"] = connection.settings_dict["NAME"] = name
        serialized = any(
            (marker := item.get_closest_marker("django_db")) and marker.kwargs.get("serialized_rollback")
            for item in request.session.items
        )
        if serialized:  # what serialized_rollback restores after a test that empties the tables
            with django_db_blocker.unblock():
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()
        yield


_slot_database = SlotDatabase()


def pytest_configure(config):
    if not config.pluginmanager.is_registered(_slot_database):
        config.pluginmanager.register(_slot_database, "mutation-slot-database")

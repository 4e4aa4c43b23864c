"""Each pytest process's test database is a copy of a migrated template, not a migration of
its own: migrating costs each xdist worker seconds of CPU, copying a database a fraction of it.

The template (`test_<name>_template`) is migrated by the first process that finds it missing
or out of date (a PostgreSQL advisory lock makes the others wait) and kept between runs. It is
out of date when its fingerprint, stored as the database's comment, differs: the fingerprint
covers every migration's source, what post_migrate writes (the roles, the identity key's
fingerprint) and Django's version. Tests never use the template itself; every run starts from
fresh copies of it, as it would from fresh migrations, and leaves its copies for the next run to drop.

A transactional test (transaction=True, serialized_rollback=True) empties every table when it
ends and puts the template's rows back when the next one starts. Django does both the slow way,
TRUNCATE (new files for some 150 tables and indexes, a second a test here) and one INSERT or
UPDATE per row from JSON (another second); here, where the test user may bypass triggers, they
are DELETEs and a COPY of the rows read from the copy when it was made. The test databases skip
the fsync at each commit (synchronous_commit off): a crash loses a test run, nothing else.

A plugin registered at configure time, as `make mutation`'s (mutation/pytest_db_slots.py),
which registers after this one and so keeps its own database slots."""

import hashlib
import inspect
import sys

import django
import pytest

from consent.accounts import roles, signals
from consent.accounts.identity import identity_key_fingerprint


def _fingerprint() -> str:
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(f"{django.get_version()}:{identity_key_fingerprint()}".encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    modules = {roles.__name__, signals.__name__} | {m.__module__ for m in loader.disk_migrations.values()}
    for name in sorted(modules):
        digest.update(name.encode())
        digest.update(inspect.getsource(sys.modules[name]).encode())
    return digest.hexdigest()


def _template_ready(connection, template: str) -> None:
    """Migrate `template` unless it is there with today's fingerprint. Call under the lock."""
    from django.conf import settings

    fingerprint = _fingerprint()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template])
        row = cursor.fetchone()
    if row and row[0] == fingerprint:
        return
    test_settings = connection.settings_dict["TEST"]
    name, test_name = connection.settings_dict["NAME"], test_settings.get("NAME")
    test_settings["NAME"] = template
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        connection.close()
        connection.close_pool()
        settings.DATABASES[connection.alias]["NAME"] = connection.settings_dict["NAME"] = name
        test_settings["NAME"] = test_name
    with connection.creation._nodb_cursor() as cursor:
        # A literal: COMMENT takes no parameters, and the fingerprint is hex.
        cursor.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(template)} IS '{fingerprint}'")


def _superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()[0]


def _use_delete_and_copy(connection) -> None:
    """Make this connection's serialized rollback DELETE and COPY (the module's docstring)."""
    from django.db import transaction

    # As a replica no trigger fires: neither the append-only tables' refusals nor foreign key checks.
    as_replica = "SET LOCAL session_replication_role = replica"
    quote = connection.ops.quote_name
    tables = [quote(t) for t in connection.introspection.django_table_names(only_existing=True, include_views=False)]
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            if data:
                rows[table] = data

    def restore(_contents) -> None:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(as_replica)
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
            for table, data in rows.items():
                with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(data)

    truncate = connection.ops.sql_flush

    def sql_flush(style, flushed, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:
            return truncate(style, flushed, reset_sequences=True, allow_cascade=allow_cascade)
        return [as_replica, *(f"DELETE FROM {quote(table)}" for table in flushed)]

    connection.creation.deserialize_db_from_string = restore
    connection.ops.sql_flush = sql_flush
    connection._test_serialized_contents = "the rows in restore()"  # Django only checks it is there


class TemplateDatabase:
    @pytest.fixture(scope="session")
    def django_db_setup(self, request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
        from django.conf import settings
        from django.db import connections

        connection = connections["default"]
        creation = connection.creation
        original_name = connection.settings_dict["NAME"]
        test_name = creation._get_test_db_name()  # with xdist's _gwN suffix
        template = f"test_{original_name}_template"
        quote = connection.ops.quote_name
        with django_db_blocker.unblock():
            with creation._nodb_cursor() as cursor:
                # The last run's copy: dropped here, not at the end of that run (see below).
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(test_name)}")
            with creation._nodb_cursor() as lock:
                lock.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
                try:
                    _template_ready(connection, template)
                    with creation._nodb_cursor() as cursor:
                        cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
                        cursor.execute(f"ALTER DATABASE {quote(test_name)} SET synchronous_commit = off")
                finally:
                    lock.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
            connection.close()
            connection.close_pool()
            settings.DATABASES[connection.alias]["NAME"] = connection.settings_dict["NAME"] = test_name
            if _superuser(connection):
                _use_delete_and_copy(connection)
            else:
                # What a serialized_rollback test puts back after its flush, Django's way.
                connection._test_serialized_contents = creation.serialize_db_to_string()
            connection.ensure_connection()
        yield
        # The copy stays until the next run: DROP DATABASE waits for a checkpoint of the whole
        # server, seconds at the end of a run that wrote a lot, and the next run's drop overlaps
        # the other worker's start.
        connection.close()
        connection.close_pool()
        settings.DATABASES[connection.alias]["NAME"] = connection.settings_dict["NAME"] = original_name

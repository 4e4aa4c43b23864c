"""Database helpers shared by every app: prepared cursors for the hot paths, the guard of
append-only tables against TRUNCATE, and the admin's paginator for tables of millions."""

from functools import cached_property

import pgtrigger
import psycopg
from django.core.paginator import Paginator
from django.db import connection
from django.db.backends.utils import CursorWrapper

# The role that owns a table (the one migrations run as) or any member of it. Such a role can
# drop or disable triggers anyway, so letting it through costs nothing; the application's own
# role is never one (`manage.py grant_app_role` refuses such a role).
OWNER_ROLE_SQL = "pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')"


# Bulk statements over a million rows (the suppression import's merge, the scrub's decision)
# sort and hash in memory, where the server's default work_mem (4 MB) would spill them to
# disk in batches. SET LOCAL: for the statement's own transaction only.
BULK_WORK_MEM_SQL = "SET LOCAL work_mem = '128MB'"


class RefuseTruncate(pgtrigger.Trigger):
    """TRUNCATE deletes without firing row triggers, so an append-only table refuses it too,
    except to the table's owner: test databases are flushed, and the bench rebuilt, by the
    role that migrated them. No session setting opens it: the application's role holds no
    TRUNCATE privilege, and even a role granted it is refused here."""

    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    level = pgtrigger.Statement
    func = f"""
        IF {OWNER_ROLE_SQL} THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'Table % is append-only: it cannot be truncated.', TG_TABLE_NAME;
    """


def prepared_cursor() -> CursorWrapper:
    """A server-side-binding cursor, wrapped like any Django cursor (logged, counted).

    Parameters travel apart from the SQL (arrays in binary with `%(name)b`), and
    psycopg prepares a statement after DATABASE_PREPARE_THRESHOLD runs on a connection,
    so the hot paths skip parsing and planning. Django's own cursors bind client-side."""
    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: a list of millions pages through its first CAP rows at the
    cost of an index scan of CAP entries, where an exact COUNT(*) reads the whole table on
    every page. Past CAP the list says "CAP" results; a search narrows it. (An admin's
    `show_full_result_count = False` only spares the second, unfiltered count.)"""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, list):
            return len(self.object_list)
        return self.object_list[: self.CAP].count()

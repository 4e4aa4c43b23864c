"""Database helpers shared by the hot paths."""

import psycopg
from django.db import connection
from django.db.backends.utils import CursorWrapper


def prepared_cursor() -> CursorWrapper:
    """A server-side-binding cursor, wrapped like any Django cursor (logged, counted).

    Parameters travel apart from the SQL (arrays in binary with `%(name)b`), and
    psycopg prepares a statement after DATABASE_PREPARE_THRESHOLD runs on a connection,
    so the hot paths skip parsing and planning. Django's own cursors bind client-side."""
    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))

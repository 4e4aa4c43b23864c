"""The ceiling: the least a request to this server can do that still reads the database."""

import random

from django.db import connection
from django.http import JsonResponse

_subject_ids: list = []


def _preload() -> None:
    # A scattered sample (random pages), so the lookups are not all in one index page.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_subject TABLESAMPLE SYSTEM (0.1) LIMIT 1000")
        rows = cursor.fetchall() or []
        if not rows:
            cursor.execute("SELECT id FROM accounts_subject LIMIT 1000")
            rows = cursor.fetchall()
    _subject_ids.extend(row[0] for row in rows)


def subject_by_pk(request):
    """One primary-key SELECT on accounts_subject, a tiny JSON answer."""
    if not _subject_ids:
        _preload()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, created_at FROM accounts_subject WHERE id = %s", [random.choice(_subject_ids)])
        row = cursor.fetchone()
    return JsonResponse({"id": str(row[0]), "created_at": row[1].isoformat()})

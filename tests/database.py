"""Database helpers for tests."""

import uuid
from contextlib import contextmanager

from django.db import connection


@contextmanager
def as_non_owner(*grants: str):
    """Run as a role that neither owns the ledger nor belongs to its owner, holding `grants`
    (so the trigger, not a missing privilege, is what refuses). The role is created inside
    the test's transaction and vanishes with it. Use it inside `transaction.atomic()`: when
    the statement fails, rolling back the savepoint also undoes SET LOCAL ROLE."""
    role = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        for grant in grants:
            cursor.execute(f"GRANT {grant} TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        yield cursor
        cursor.execute("RESET ROLE")


@contextmanager
def query_plans():
    """Collects the EXPLAIN of every query run inside the block, with sequential scans off
    (so the plan shows whether an index can serve the query), as a list of plan lines filled
    when the block ends."""
    from django.test.utils import CaptureQueriesContext

    plans: list[str] = []
    with CaptureQueriesContext(connection) as captured:
        yield plans
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans += [row[0] for row in cursor.fetchall()]
        cursor.execute("RESET enable_seqscan")

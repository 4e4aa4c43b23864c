"""Nobody, not an admin and not a bug, can edit or delete a consent event."""

import pytest
from django.db import DatabaseError, connection, transaction

from consent.ledger.chain import Evidence
from consent.ledger.models import ConsentEvent, ConsentEvidence
from tests.database import as_non_owner
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return record(
        subject_for("ledger@example.com"),
        "marketing_own",
        "granted",
        channel="email",
        evidence=Evidence(ip_address="192.0.2.1"),
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_consentevent SET decision = 'withdrawn' WHERE id = %s",
        "UPDATE ledger_consentevent SET occurred_at = now() - interval '1 year' WHERE id = %s",
        "DELETE FROM ledger_consentevent WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_delete_an_event(event, sql):
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.decision == "granted"


def test_the_orm_cannot_change_or_delete_an_event(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentEvent.objects.filter(pk=event.pk).update(decision="withdrawn")
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsentEvent.objects.filter(pk=event.pk).delete()
    assert ConsentEvent.objects.filter(pk=event.pk, decision="granted").exists()


def test_evidence_cannot_be_altered(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_consentevidence SET ip_address = '198.51.100.7' WHERE event_id = %s", [event.pk])


LEDGER_TABLES = (
    "ledger_consentevent, ledger_consentevidence, ledger_consentstate, ledger_currentchoices, "
    "ledger_ledgercheckpoint, ledger_chainhead, ledger_evidenceerasure"
)


def test_evidence_cannot_be_deleted_by_sql_whatever_the_session_sets(event):
    for setting in ("consent.erasure", "consent.evidence_erase"):
        with pytest.raises(DatabaseError, match="ledger_evidence_erase"), transaction.atomic():
            with as_non_owner("SELECT, DELETE ON ledger_consentevidence, ledger_consentevent") as cursor:
                cursor.execute(f"SET LOCAL {setting} = 'on'")
                cursor.execute("DELETE FROM ledger_consentevidence WHERE event_id = %s", [event.pk])
    # Not even the owner, by accident, outside ledger_evidence_erase().
    with (
        pytest.raises(DatabaseError, match="ledger_evidence_erase"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL consent.erasure = 'on'")
        cursor.execute("DELETE FROM ledger_consentevidence WHERE event_id = %s", [event.pk])
    assert ConsentEvidence.objects.filter(event=event).exists()


@pytest.mark.parametrize(
    "table", ["ledger_consentevent", "ledger_consentevidence", "ledger_ledgercheckpoint", "ledger_chainhead"]
)
def test_truncating_the_ledger_is_refused_to_anyone_but_the_owner(table):
    record(subject_for("local@example.com"), "research", "withdrawn", channel="email")
    with pytest.raises(DatabaseError, match="cannot be truncated"), transaction.atomic():
        # Granted TRUNCATE outright, a non-owner is still refused, whatever it sets.
        with as_non_owner(f"TRUNCATE ON {LEDGER_TABLES}") as cursor:
            cursor.execute("SET LOCAL consent.allow_truncate = 'on'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else the pending FK checks refuse it first
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert ConsentEvent.objects.exists() and ConsentEvidence.objects.exists()


def test_the_owner_may_truncate(event):
    # The role that ran the migrations could drop the trigger anyway; test flushes need it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE ledger_consentevidence, ledger_consentstate, ledger_currentchoices, ledger_consentevent"
        )
    assert not ConsentEvent.objects.exists()

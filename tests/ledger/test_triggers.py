"""Nobody, not an admin and not a bug, can edit or delete a consent event."""

import pytest
from django.db import DatabaseError, connection, transaction

from consent.ledger.chain import Evidence
from consent.ledger.models import ConsentEvent, ConsentEvidence
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


def test_evidence_can_be_deleted_only_inside_an_erasure(event):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_consentevidence WHERE event_id = %s", [event.pk])
    assert ConsentEvidence.objects.filter(event=event).exists()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL consent.erasure = 'on'")
        cursor.execute("DELETE FROM ledger_consentevidence WHERE event_id = %s", [event.pk])
    assert not ConsentEvidence.objects.filter(event=event).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_erasure_setting_ends_with_its_transaction():
    subject = subject_for("local@example.com")
    first = record(subject, "research", "withdrawn", channel="email")
    second = record(subject, "research", "granted", channel="email")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL consent.erasure = 'on'")
        cursor.execute("DELETE FROM ledger_consentevidence WHERE event_id = %s", [first.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_consentevidence WHERE event_id = %s", [second.pk])
    assert ConsentEvidence.objects.filter(event=second).exists()


@pytest.mark.parametrize("table", ["ledger_consentevent", "ledger_consentevidence"])
def test_truncating_the_ledger_is_refused(table):
    record(subject_for("local@example.com"), "research", "withdrawn", channel="email")
    with pytest.raises(DatabaseError, match="cannot be truncated"), transaction.atomic():
        with connection.cursor() as cursor:
            # The test database's sessions allow TRUNCATE (to flush between tests); a real one does not.
            cursor.execute("SET LOCAL consent.allow_truncate = 'off'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else the pending FK checks refuse it first
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert ConsentEvent.objects.exists() and ConsentEvidence.objects.exists()

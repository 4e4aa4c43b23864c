"""consent_record writes through ledger_append() (migration 0013), one statement from the
person's lock to both copies of the state: its hashes are event_hash's, a refusal leaves the
caller's transaction usable, and two retries racing with one key record one event."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from consent.accounts.models import Subject
from consent.ledger.chain import Evidence, event_hash
from consent.ledger.models import ConsentEvent, ConsentEvidence, ConsentState, CurrentChoices
from consent.ledger.services import Actor, consent_record
from consent.policies.models import PolicyDocument
from consent.policies.services import policy_version_create, policy_version_publish
from tests.factories import ledger_verified, record, subject_for

pytestmark = pytest.mark.django_db


def _stored_hash_is_event_hash(event: ConsentEvent) -> bool:
    stored = ConsentEvent.objects.get(pk=event.pk)
    return stored.hash == event.hash == event_hash(
        subject_id=stored.subject_id, purpose_id=stored.purpose_id, channel=stored.channel, decision=stored.decision,
        source=stored.source, actor_type=stored.actor_type, actor_id=stored.actor_id,
        policy_version_id=stored.policy_version_id, occurred_at=stored.occurred_at,
        evidence_digest=stored.evidence_digest, prev_hash=stored.prev_hash,
    )  # fmt: skip


@pytest.mark.parametrize("actor_id", ["", "staff:7", 'odd "quoted" ünïcode \\ back\n'])
def test_events_hashed_in_the_database_verify_as_event_hash(actor_id):
    document = PolicyDocument.objects.create(slug="privacy-policy", kind=PolicyDocument.Kind.PRIVACY_POLICY)
    version = policy_version_publish(
        version=policy_version_create(
            document=document, label="1.0", effective_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            title={"en": "Privacy"}, body={"en": "Text."}, summary_of_changes={"en": "First."},
        )
    )  # fmt: skip
    person = subject_for("hashed@example.com")
    evidence = Evidence(ip_address="2001:db8::1", user_agent='Mozilla "5"', language="sv", text_hash="b" * 64)
    first = consent_record(
        subject=person, purpose="primary_use", decision="granted", source="registration",
        actor=Actor("staff", actor_id), evidence=evidence, policy_version=version,
    )  # fmt: skip
    second = consent_record(
        subject=person, purpose="marketing_own", channel="email", decision="withdrawn", source="portal",
        actor=Actor("staff", actor_id),
    )  # fmt: skip
    assert (first.prev_hash, second.prev_hash) == (ConsentEvent.GENESIS_HASH, first.hash)
    assert _stored_hash_is_event_hash(first) and _stored_hash_is_event_hash(second)
    stored = ConsentEvidence.objects.get(event=first)
    assert (stored.ip_address, stored.user_agent, stored.text_hash) == ("2001:db8::1", 'Mozilla "5"', "b" * 64)
    verification = ledger_verified()
    assert (verification.intact, verification.drift, verification.events_checked) == (True, None, 2)


def test_a_refusal_for_an_erased_person_leaves_the_callers_transaction_usable():
    erased, other = subject_for("gone@example.com"), subject_for("here@example.com")
    Subject.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    with transaction.atomic():
        with pytest.raises(ValidationError) as refused:
            record(erased, "marketing_own", "granted", channel="email")
        event = record(other, "marketing_own", "granted", channel="email")
    assert "erased" in str(refused.value.message_dict["subject"])
    assert list(ConsentEvent.objects.all()) == [event]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_retries_racing_with_one_key_record_one_event():
    """The second retry looks for the key before the first has committed, then waits on the
    person's lock: once the first commits, it answers with the first's event."""
    person = subject_for("retrying@example.com")
    first_written, outcome = threading.Event(), {}

    def first() -> None:
        try:
            with transaction.atomic():
                outcome["first"] = record(person, "research", "withdrawn", idempotency_key="k-1")
                first_written.set()
                time.sleep(0.5)  # the second retry is past its lookup and waiting on the lock by now
        finally:
            connection.close()

    def second() -> None:
        first_written.wait(timeout=10)
        try:
            outcome["second"] = record(person, "research", "withdrawn", idempotency_key="k-1")
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcome["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winner, loser = outcome["first"], outcome["second"]
    assert (loser.pk, loser.created, winner.created) == (winner.pk, False, True)
    assert ConsentEvent.objects.filter(subject=person).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_statement_commits_or_leaves_nothing():
    """With no transaction open, ledger_append() is its own: the foreign keys are checked at
    its commit, so an event for a person who does not exist fails whole, at once."""
    person = subject_for("present@example.com")
    event = record(person, "research", "withdrawn")
    missing = Subject(pk="00000000-0000-4000-8000-000000000001")
    with pytest.raises(IntegrityError):
        record(missing, "research", "withdrawn")
    assert list(ConsentEvent.objects.all()) == [event]
    assert not ConsentEvidence.objects.exclude(event=event).exists()
    assert not ConsentState.objects.exclude(subject=person).exists()
    assert not CurrentChoices.objects.exclude(subject=person).exists()


def test_the_chains_head_is_read_from_the_chain_index_alone():
    """ledger_append()'s read of the head (its SQL, verbatim) needs no heap page of the event:
    the chain index carries the hash (migration 0016)."""
    person = subject_for("head@example.com")
    first = record(person, "research", "withdrawn")
    second = record(person, "research", "granted")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        head_sql = "SELECT e.hash FROM ledger_consentevent e WHERE e.subject_id = %s ORDER BY e.id DESC LIMIT 1"
        cursor.execute(f"EXPLAIN {head_sql}", [person.pk])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(head_sql, [person.pk])
        head = cursor.fetchone()[0]
    assert "Index Only Scan Backward using ledger_consentevent_chain" in plan, plan
    assert (head, second.prev_hash) == (second.hash, first.hash)


def test_the_state_tables_leave_room_on_each_page_for_hot_updates():
    """An upsert of a person's state rewrites its row; with room on the page the new version
    stays there (a HOT update) and no index is written (migration 0015)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class"
            " WHERE relname IN ('ledger_consentstate', 'ledger_currentchoices') ORDER BY relname"
        )
        assert cursor.fetchall() == [
            ("ledger_consentstate", ["fillfactor=80"]),
            ("ledger_currentchoices", ["fillfactor=80"]),
        ]

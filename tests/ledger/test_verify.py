import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from consent.ledger.chain import Evidence, ledger_verify
from consent.ledger.models import ConsentEvent, ConsentState, CurrentChoices
from consent.ledger.services import consent_state_rebuild
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    alice = subject_for("alice@example.com")
    bob = subject_for("bob@example.com")
    events = [
        record(alice, "primary_use", source="registration", evidence=Evidence(ip_address="192.0.2.1", language="en")),
        record(alice, "marketing_own", "withdrawn", channel="email"),
        record(bob, "primary_use", source="registration"),
        record(alice, "cookies_analytics", "granted"),
        record(alice, "marketing_own", "granted", channel="email"),
    ]
    return alice, bob, events


def _tamper(sql: str, params: list) -> None:
    """Change the ledger the way only someone with the table owner's rights could."""
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred; fire their checks so the table can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE ledger_consentevent DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE ledger_consentevidence DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE ledger_consentevent ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE ledger_consentevidence ENABLE TRIGGER USER")


def test_a_clean_ledger_verifies(chain):
    result = ledger_verify()
    assert result.broken is None
    assert (result.events_checked, result.subjects_checked) == (5, 2)
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "5 events in 2 chains" in out.getvalue()


def test_chains_link_each_event_to_the_one_before(chain):
    _alice, _bob, events = chain
    alice_events = [e for e in events if e.subject_id == events[0].subject_id]
    assert alice_events[0].prev_hash == ConsentEvent.GENESIS_HASH
    for before, after in zip(alice_events, alice_events[1:], strict=False):
        assert after.prev_hash == before.hash


def test_a_tampered_decision_is_named(chain):
    _alice, _bob, events = chain
    tampered = events[1]
    _tamper("UPDATE ledger_consentevent SET decision = 'granted' WHERE id = %s", [tampered.pk])
    result = ledger_verify()
    assert result.broken.event_id == tampered.pk
    assert "content" in result.broken.problem
    with pytest.raises(CommandError, match=f"Broken link at event {tampered.pk} "):
        call_command("verify_ledger")


def test_a_deleted_event_breaks_the_next_link(chain):
    _alice, _bob, events = chain
    # events[1] is no longer anyone's current state (events[4] superseded it).
    _tamper("DELETE FROM ledger_consentevidence WHERE event_id = %s", [events[1].pk])
    _tamper("DELETE FROM ledger_consentevent WHERE id = %s", [events[1].pk])
    result = ledger_verify()
    assert result.broken.event_id == events[3].pk
    assert "prev_hash" in result.broken.problem


def test_altered_evidence_is_named(chain):
    _alice, _bob, events = chain
    _tamper("UPDATE ledger_consentevidence SET ip_address = '203.0.113.9' WHERE event_id = %s", [events[0].pk])
    assert ledger_verify().broken.event_id == events[0].pk


def test_erased_evidence_does_not_break_the_chain(chain):
    _alice, _bob, events = chain
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL consent.erasure = 'on'")
        cursor.execute("DELETE FROM ledger_consentevidence WHERE event_id = %s", [events[0].pk])
    assert ledger_verify().broken is None


def test_verify_one_subject(chain):
    alice, bob, events = chain
    _tamper("UPDATE ledger_consentevent SET decision = 'granted' WHERE id = %s", [events[1].pk])
    assert ledger_verify(subject=bob).broken is None
    out = io.StringIO()
    call_command("verify_ledger", "--subject", str(bob.pk), stdout=out)
    assert "1 events in 1 chains" in out.getvalue()
    with pytest.raises(CommandError, match="Broken link"):
        call_command("verify_ledger", "--subject", str(alice.pk))


def test_a_current_state_that_disagrees_with_the_events_is_named(chain):
    alice, _bob, events = chain
    ConsentState.objects.filter(subject=alice, purpose="marketing_own").update(decision="withdrawn", event=events[1])
    result = ledger_verify()
    assert result.broken is None
    assert result.drift == (
        f"subject {alice.pk}: the current state of marketing_own/email is event {events[1].pk}, "
        f"but its last event is {events[4].pk}"
    )
    with pytest.raises(CommandError, match="the current state of marketing_own/email"):
        call_command("verify_ledger", stdout=io.StringIO())


def test_a_current_choices_copy_that_disagrees_with_the_state_is_named(chain):
    alice, bob, _events = chain
    CurrentChoices.objects.filter(subject=bob).update(choices={})
    assert ledger_verify(subject=bob).drift == (
        f"subject {bob.pk}: its CurrentChoices row differs from its ConsentState rows"
    )
    assert ledger_verify(subject=alice).drift is None
    consent_state_rebuild()
    assert ledger_verify().drift is None

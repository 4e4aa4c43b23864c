"""verify_ledger: the chains recompute, match the latest checkpoint, and the state matches them.
(Each attack of the outside tester has its own test in tests/security/test_ledger_tampering.py.)"""

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from consent.ledger.chain import Evidence, ledger_verify
from consent.ledger.models import ConsentEvent, ConsentState, CurrentChoices
from consent.ledger.services import consent_evidence_erase, consent_state_rebuild, ledger_checkpoint_take
from tests.factories import record, subject_for
from tests.ledger.tampering import rewrite_chain_from, tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    alice = subject_for("alice@example.com")
    bob = subject_for("bob@example.com")
    events = [
        record(
            alice,
            "primary_use",
            source="registration",
            evidence=Evidence(ip_address="192.0.2.1", language="en", text_hash=hashlib.sha256(b"notice").hexdigest()),
        ),
        record(alice, "marketing_own", "withdrawn", channel="email"),
        record(bob, "primary_use", source="registration"),
        record(alice, "cookies_analytics", "granted"),
        record(alice, "marketing_own", "granted", channel="email"),
    ]
    ledger_checkpoint_take()
    return alice, bob, events


def test_a_clean_ledger_verifies_against_its_checkpoint(chain):
    result = ledger_verify()
    assert result.problems == [] and result.intact
    assert (result.events_checked, result.subjects_checked) == (5, 2)
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "Ledger intact: 5 events in 2 chains verified against checkpoint #" in out.getvalue()
    assert "(5 events in 2 chains)" in out.getvalue()


def test_events_after_the_checkpoint_are_reported_as_vouched_for_by_their_chains_only(chain):
    alice, _bob, _events = chain
    record(alice, "research", "withdrawn", channel="email")
    result = ledger_verify()
    assert result.intact and result.events_since_checkpoint == 1
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "1 events recorded since are vouched for by their chains only" in out.getvalue()


def test_without_any_checkpoint_a_ledger_with_events_is_not_called_intact():
    record(subject_for("early@example.com"), "primary_use", source="registration")
    result = ledger_verify()
    assert not result.intact
    assert "no checkpoint has been taken" in result.problems[0]
    with pytest.raises(CommandError, match="no checkpoint has been taken"):
        call_command("verify_ledger")


def test_an_empty_ledger_without_a_checkpoint_is_intact():
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "0 events in 0 chains verified (empty, no checkpoint yet)" in out.getvalue()


def test_chains_link_each_event_to_the_one_before(chain):
    _alice, _bob, events = chain
    alice_events = [e for e in events if e.subject_id == events[0].subject_id]
    assert alice_events[0].prev_hash == ConsentEvent.GENESIS_HASH
    for before, after in zip(alice_events, alice_events[1:], strict=False):
        assert after.prev_hash == before.hash


def test_a_tampered_decision_is_named(chain):
    alice, _bob, events = chain
    tampered = events[1]
    tamper(("UPDATE ledger_consentevent SET decision = 'granted' WHERE id = %s", [tampered.pk]))
    result = ledger_verify()
    assert f"event #{tampered.pk} of subject {alice.pk} was altered: its content does not match its hash" in (
        result.problems
    )
    # Only that event: the ones after it still link to the hash it had.
    assert len([p for p in result.problems if "was altered" in p]) == 1
    with pytest.raises(CommandError, match=f"event #{tampered.pk} of subject {alice.pk} was altered"):
        call_command("verify_ledger")


def test_a_deleted_event_is_named_by_what_is_missing_not_by_its_successor(chain):
    alice, _bob, events = chain
    # events[1] is no longer anyone's current state (events[4] superseded it).
    tamper(
        ("DELETE FROM ledger_consentevidence WHERE event_id = %s", [events[1].pk]),
        ("DELETE FROM ledger_consentevent WHERE id = %s", [events[1].pk]),
    )
    problems = ledger_verify().problems
    assert f"an event is missing before event #{events[3].pk} of subject {alice.pk} (after event #{events[0].pk})" in (
        problems
    )
    assert any(
        f"the chain of subject {alice.pk} has 3 events up to event #{events[4].pk}" in p
        and f"recorded 4: 1 missing before event #{events[4].pk}" in p
        for p in problems
    )
    assert not any(f"event #{events[3].pk}" in p and "altered" in p for p in problems)
    with pytest.raises(CommandError, match=rf"NOT intact: {len(problems)} problem\(s\)"):
        call_command("verify_ledger")


def test_a_deleted_first_event_is_named(chain):
    alice, _bob, events = chain
    tamper(
        ("DELETE FROM ledger_consentevidence WHERE event_id = %s", [events[0].pk]),
        ("DELETE FROM ledger_consentevent WHERE id = %s", [events[0].pk]),
    )
    problems = ledger_verify().problems
    assert any(
        p.startswith(f"the first events of subject {alice.pk} are missing: its earliest event left, #{events[1].pk},")
        for p in problems
    )


def test_altered_evidence_is_named(chain):
    alice, _bob, events = chain
    tamper(("UPDATE ledger_consentevidence SET ip_address = '203.0.113.9' WHERE event_id = %s", [events[0].pk]))
    assert ledger_verify().problems == [f"the evidence of event #{events[0].pk} (subject {alice.pk}) was altered"]


def test_evidence_erased_through_the_erasure_function_does_not_break_anything(chain):
    alice, _bob, _events = chain
    alice.erased_at = timezone.now()
    alice.save(update_fields=["erased_at"])
    assert consent_evidence_erase(subject=alice) == 4
    result = ledger_verify()
    assert result.problems == [] and result.drift is None


def test_verify_one_subject(chain):
    alice, bob, events = chain
    tamper(("UPDATE ledger_consentevent SET decision = 'granted' WHERE id = %s", [events[1].pk]))
    assert ledger_verify(subject=bob).problems == []
    out = io.StringIO()
    call_command("verify_ledger", "--subject", str(bob.pk), stdout=out)
    assert "1 events in 1 chains" in out.getvalue()
    with pytest.raises(CommandError, match="was altered"):
        call_command("verify_ledger", "--subject", str(alice.pk))


def test_a_current_state_that_disagrees_with_intact_chains_is_named_and_the_rebuild_suggested(chain):
    alice, _bob, events = chain
    ConsentState.objects.filter(subject=alice, purpose="marketing_own").update(decision="withdrawn", event=events[1])
    result = ledger_verify()
    assert result.problems == []
    assert result.drift == (
        f"subject {alice.pk}: the current state of marketing_own/email is event {events[1].pk}, "
        f"but its last event is {events[4].pk}"
    )
    with pytest.raises(CommandError, match="the current state of marketing_own/email") as raised:
        call_command("verify_ledger", stdout=io.StringIO())
    assert "Every chain is intact" in str(raised.value) and "consent_state_rebuild()" in str(raised.value)


def test_the_rebuild_is_never_suggested_when_events_are_missing(chain):
    alice, _bob, events = chain
    # The person's last marketing choice (a grant after a withdrawal) is deleted; the state still names it.
    tamper(
        ("DELETE FROM ledger_consentevidence WHERE event_id = %s", [events[4].pk]),
        ("DELETE FROM ledger_consentevent WHERE id = %s", [events[4].pk]),
    )
    result = ledger_verify()
    assert not result.intact and result.drift is None
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger")
    assert "Do not rebuild the current state" in str(raised.value)
    assert "rewrites the current state from the events" not in str(raised.value)


def test_a_current_choices_copy_that_disagrees_with_the_state_is_named(chain):
    alice, bob, _events = chain
    CurrentChoices.objects.filter(subject=bob).update(choices={})
    assert ledger_verify(subject=bob).drift == (
        f"subject {bob.pk}: its CurrentChoices row differs from its ConsentState rows"
    )
    assert ledger_verify(subject=alice).drift is None
    consent_state_rebuild()
    assert ledger_verify().drift is None


def test_past_fifty_problems_the_first_fifty_are_listed_and_the_rest_counted():
    people = [subject_for(f"p{n}@example.com") for n in range(27)]
    for person in people:
        record(person, "primary_use", source="registration")
        record(person, "marketing_own", "withdrawn", channel="email")
    ledger_checkpoint_take()
    tamper(("UPDATE ledger_consentevent SET source = 'import'", []))
    result = ledger_verify()
    assert (result.problems_total, len(result.problems)) == (54, 50)
    assert all("was altered: its content does not match its hash" in p for p in result.problems)
    with pytest.raises(CommandError, match="NOT intact: 54 problem") as raised:
        call_command("verify_ledger")
    assert "… and 4 more" in str(raised.value)


NO_CHECKPOINT = (
    "no checkpoint has been taken, so nothing outside these tables vouches for the events "
    "(a chain deleted whole or cut short would look the same): run manage.py ledger_checkpoint"
)


def test_without_any_checkpoint_the_operator_is_told_what_to_run():
    record(subject_for("early@example.com"), "primary_use", source="registration")
    assert ledger_verify().problems == [NO_CHECKPOINT]


def test_verifying_one_subject_reports_nothing_of_another_persons_damage(chain):
    alice, bob, events = chain
    # Alice loses her last event (a chain cut short) and the evidence of her first.
    tamper(
        ("DELETE FROM ledger_consentevidence WHERE event_id IN (%s, %s)", [events[0].pk, events[4].pk]),
        ("DELETE FROM ledger_consentevent WHERE id = %s", [events[4].pk]),
    )
    result = ledger_verify(subject=bob)
    assert result.problems == [] and result.intact
    assert (result.events_checked, result.subjects_checked) == (1, 1)
    problems = ledger_verify(subject=alice).problems
    assert any(f"the chain of subject {alice.pk} has 3 events up to event #{events[4].pk}" in p for p in problems)
    assert (
        f"the evidence of 1 events of subject {alice.pk} is missing (first: event #{events[0].pk}), "
        "and it was never erased"
    ) in problems


def test_an_event_rewritten_to_start_its_chain_again_is_named(chain):
    alice, _bob, events = chain
    # events[3] (Alice's third) is re-linked to the genesis hash and the rest of her chain
    # re-hashed: as if the events before it had never been.
    rewrite_chain_from(events[3], prev_hash=ConsentEvent.GENESIS_HASH)
    problems = ledger_verify().problems
    assert (
        f"event #{events[3].pk} of subject {alice.pk} claims to start its chain, but event #{events[1].pk} "
        "comes before it"
    ) in problems
    assert not any("was altered" in p for p in problems)


def test_events_stored_out_of_id_order_are_still_walked_in_chain_order(chain):
    _alice, _bob, events = chain
    # A row rewritten in place (as maintenance or an unchanged update can) moves to the end
    # of the table: the walk must follow the ids, not the order rows come back in.
    tamper(
        ("UPDATE ledger_consentevent SET decision = decision WHERE id = %s", [events[0].pk]),
        ("UPDATE ledger_consentevidence SET language = language WHERE event_id = %s", [events[0].pk]),
    )
    with connection.cursor() as cursor:
        # As on a large table: no index read in order, a full scan and then a sort.
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    result = ledger_verify()
    assert result.problems == [] and result.intact
    assert (result.events_checked, result.subjects_checked) == (5, 2)


@pytest.fixture
def many_people():
    """51 people with one event each: one more than verify_ledger lists."""
    people = [subject_for(f"m{n}@example.com") for n in range(51)]
    for person in people:
        record(person, "primary_use", source="registration")
    return people


def test_past_fifty_people_missing_evidence_the_rest_are_counted(many_people):
    ledger_checkpoint_take()
    tamper(("DELETE FROM ledger_consentevidence", []))
    result = ledger_verify()
    assert (result.problems_total, len(result.problems)) == (51, 50)
    assert all("and it was never erased" in p for p in result.problems)
    with pytest.raises(CommandError, match=r"NOT intact: 51 problem\(s\)") as raised:
        call_command("verify_ledger")
    assert "… and 1 more" in str(raised.value)


def test_each_checkpoint_compared_counts_its_own_findings(many_people, tmp_path):
    # An exported checkpoint and a later one both recorded every chain; then every chain is deleted.
    path = tmp_path / "checkpoint.json"
    call_command("ledger_checkpoint", "--export", str(path), stdout=io.StringIO())
    ledger_checkpoint_take()
    tamper(("TRUNCATE ledger_consentevidence, ledger_consentstate, ledger_currentchoices, ledger_consentevent", []))
    result = ledger_verify(checkpoint_file=json.loads(path.read_text()))
    assert len(result.checkpoints) == 2
    # 51 chains missing according to each: 102 problems, the first 50 listed.
    assert (result.problems_total, len(result.problems)) == (102, 50)
    assert all(" is missing: checkpoint #" in p for p in result.problems)

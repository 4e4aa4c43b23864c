"""consent_record_many hashes its events in SQL: the hashes must be event_hash's, byte for byte."""

import pytest

from consent.ledger.chain import event_hash
from consent.ledger.models import ConsentEvent
from consent.ledger.services import Actor, consent_record_many
from tests.factories import ledger_verified, record, subject_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("channel", [None, "email"])
@pytest.mark.parametrize("actor_id", ["", "import:7", 'odd "quoted" ünïcode \\ back'])
def test_events_hashed_in_sql_verify_as_event_hash(channel, actor_id):
    people = [subject_for(f"bulk{n}@example.com") for n in range(3)]
    record(people[0], "primary_use", source="registration")  # one chain with a head, two from genesis
    written = consent_record_many(
        subject_ids=[p.pk for p in people], choices=[("marketing_own", channel), ("research", None)],
        decision="withdrawn", source="import", actor=Actor.system(actor_id),
    )  # fmt: skip
    assert written == 6
    for event in ConsentEvent.objects.filter(source="import"):
        assert event.hash == event_hash(
            subject_id=event.subject_id, purpose_id=event.purpose_id, channel=event.channel, decision=event.decision,
            source=event.source, actor_type=event.actor_type, actor_id=event.actor_id, policy_version_id=None,
            occurred_at=event.occurred_at, evidence_digest=event.evidence_digest, prev_hash=event.prev_hash,
        )  # fmt: skip
    verification = ledger_verified()
    assert (verification.intact, verification.drift, verification.events_checked) == (True, None, 7)


def test_only_changes_skips_a_choice_the_person_already_holds():
    person = subject_for("held@example.com")
    record(person, "research", "withdrawn")
    written = consent_record_many(
        subject_ids=[person.pk], choices=[("research", None), ("marketing_own", None)], decision="withdrawn",
        source="import", actor=Actor.system(), only_changes=True,
    )  # fmt: skip
    assert written == 1
    assert ledger_verified().intact

"""The unsubscribe link's two services, called as the link's page calls them: what the
person's click writes, and what their undo takes back (only what the link did)."""

import pytest

from consent.accounts.identity import email_digest
from consent.accounts.services import subject_get_or_create
from consent.ledger.models import ConsentEvent
from consent.ledger.services import Actor
from consent.suppression.models import SuppressionEntry
from consent.suppression.services import suppression_add, suppression_unsubscribe, suppression_unsubscribe_undo
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db

MARIA = email_digest("maria@example.se")


def events(subject) -> set[tuple]:
    return set(
        ConsentEvent.objects.filter(subject=subject).values_list(
            "purpose_id", "channel", "decision", "source", "actor_type", "actor_id"
        )
    )


def entries() -> set[tuple]:
    return {
        (bytes(digest), purpose, channel, reason)
        for digest, purpose, channel, reason in SuppressionEntry.objects.values_list(
            "identifier_digest", "purpose", "channel", "reason"
        )
    }


def test_the_entry_a_link_makes_says_it_came_from_the_person_by_link():
    maria = subject_for("maria@example.se")
    assert suppression_unsubscribe(digest=MARIA, subject=maria, purpose="marketing_own", channel="email") == 1
    entry = SuppressionEntry.objects.get()
    assert (entry.reason, entry.source, entry.created_by, entry.note) == (
        "unsubscribe_link",
        "Unsubscribe link",
        "subject",
        "",
    )


def test_a_person_known_without_an_address_is_withdrawn_in_their_ledger_only():
    person = subject_get_or_create(external_id="crm-1")
    assert suppression_unsubscribe(digest=None, subject=person, purpose="marketing_own", channel="email") == 0
    assert not SuppressionEntry.objects.exists()
    # The link's purpose on the link's channel, nothing wider.
    assert events(person) == {("marketing_own", "email", "withdrawn", "unsubscribe_link", "subject", "")}


def test_a_link_whose_person_is_erased_or_gone_writes_nothing():
    erased = subject_get_or_create(external_id="crm-2")
    erased.erased_at = erased.created_at
    erased.save(update_fields=["erased_at"])
    assert suppression_unsubscribe(digest=None, subject=erased, purpose="research", channel=None) == 0
    assert suppression_unsubscribe(digest=None, subject=None, purpose="research", channel=None) == 0
    assert not ConsentEvent.objects.exists()
    assert not SuppressionEntry.objects.exists()


def test_undo_removes_only_the_entry_the_link_made():
    maria = subject_for("maria@example.se")
    record(maria, "primary_use", source="registration")
    for purpose, channel in [("marketing_own", "email"), ("marketing_own", "phone"), ("research", "email")]:
        suppression_unsubscribe(digest=MARIA, subject=maria, purpose=purpose, channel=channel)
    suppression_unsubscribe(
        digest=email_digest("ann@example.com"), subject=None, purpose="marketing_own", channel="email"
    )
    before = entries()

    assert suppression_unsubscribe_undo(digest=MARIA, subject=maria, purpose="marketing_own", channel="email") == 1

    # Her other links' entries and Ann's entry from the same link stay.
    assert before - entries() == {(MARIA, "marketing_own", "email", "unsubscribe_link")}
    # The link's choice is granted again, on the link's channel only.
    last = ConsentEvent.objects.filter(subject=maria).latest("id")
    assert (last.purpose_id, last.channel, last.decision, last.source, last.actor_type) == (
        "marketing_own",
        "email",
        "granted",
        "unsubscribe_link",
        "subject",
    )
    assert ConsentEvent.objects.filter(subject=maria, decision="granted", source="unsubscribe_link").count() == 1


def test_undo_leaves_an_entry_of_another_reason_in_the_links_own_scope():
    suppression_add(identifiers=["maria@example.se"], purpose="marketing_own", channel="email", reason="bounce",
                    source="t", actor=Actor.system())  # fmt: skip
    assert suppression_unsubscribe(digest=MARIA, subject=None, purpose="marketing_own", channel="email") == 0
    assert suppression_unsubscribe_undo(digest=MARIA, subject=None, purpose="marketing_own", channel="email") == 0
    assert entries() == {(MARIA, "marketing_own", "email", "bounce")}


def test_undo_of_a_link_for_an_address_alone_lifts_its_entry():
    stranger = email_digest("stranger@example.com")
    suppression_unsubscribe(digest=stranger, subject=None, purpose="marketing_own", channel=None)
    assert suppression_unsubscribe_undo(digest=stranger, subject=None, purpose="marketing_own", channel=None) == 1
    assert not SuppressionEntry.objects.exists()
    assert not ConsentEvent.objects.exists()

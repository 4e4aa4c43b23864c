"""The decision rule's reasons, their order and their labels, and what the batch check says
back per identifier: pinned where mutation testing (`make mutation`) found them unpinned."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.accounts.identity import email_digest
from consent.accounts.selectors import IDENTIFIER_BATCH_LIMIT
from consent.decisions.rules import Reason, consent_decisions, consent_state, contact_decision, decide
from consent.ledger.models import Purpose
from consent.suppression.models import SuppressionEntry
from tests.factories import record, subject_for


def _purpose(kind: str, channels: list[str]) -> Purpose:
    return Purpose(code="p", kind=kind, channels=channels)


OPT_IN_CONTACT = _purpose("opt_in", ["email"])
OPT_OUT_CONTACT = _purpose("opt_out", ["email"])
OPT_IN_SILENT = _purpose("opt_in", [])
OPT_OUT_SILENT = _purpose("opt_out", [])


@pytest.mark.parametrize(
    ("purpose", "facts", "outcome"),
    [
        # Erasure comes first, whatever else holds.
        (OPT_OUT_CONTACT, {"explicit": "granted", "suppressed": True, "erased": True}, (False, Reason.ERASED)),
        (OPT_OUT_SILENT, {"explicit": "granted", "erased": True}, (False, Reason.ERASED)),
        # A do-not-contact list beats a grant, for a purpose that contacts people.
        (OPT_OUT_CONTACT, {"explicit": "granted", "suppressed": True}, (False, Reason.SUPPRESSED)),
        (OPT_IN_CONTACT, {"suppressed": True}, (False, Reason.SUPPRESSED)),
        # ... and means nothing to a purpose that contacts no one.
        (OPT_IN_SILENT, {"explicit": "granted", "suppressed": True}, (True, Reason.GRANTED)),
        (OPT_OUT_SILENT, {"suppressed": True}, (True, Reason.OPT_OUT_DEFAULT)),
        # The person's own choice, either way, for either kind.
        (OPT_IN_CONTACT, {"explicit": "granted"}, (True, Reason.GRANTED)),
        (OPT_OUT_CONTACT, {"explicit": "withdrawn"}, (False, Reason.WITHDRAWN)),
        (OPT_OUT_CONTACT, {"explicit": "withdrawn", "policy_accepted": False}, (False, Reason.WITHDRAWN)),
        (OPT_IN_CONTACT, {"explicit": "granted", "policy_accepted": False}, (True, Reason.GRANTED)),
        # No choice made: opt-in says no; opt-out says yes, once a policy was accepted.
        (OPT_IN_CONTACT, {}, (False, Reason.NOT_GRANTED)),
        (OPT_IN_SILENT, {"policy_accepted": True}, (False, Reason.NOT_GRANTED)),
        (OPT_OUT_CONTACT, {"policy_accepted": False}, (False, Reason.NO_POLICY_ACCEPTED)),
        (OPT_OUT_CONTACT, {}, (True, Reason.OPT_OUT_DEFAULT)),
    ],
)
def test_decide(purpose, facts, outcome):
    facts = {"explicit": None, "suppressed": False, "erased": False, "policy_accepted": True, **facts}
    assert decide(purpose=purpose, **facts) == outcome


def test_every_reason_has_its_label():
    assert {reason: str(label) for reason, label in Reason.LABELS.items()} == {
        "granted": "granted",
        "withdrawn": "withdrawn",
        "not_granted": "never granted (opt-in)",
        "opt_out_default": "not objected to (opt-out)",
        "suppressed": "on a do-not-contact list",
        "erased": "data erased",
        "no_policy_accepted": "no accepted privacy policy",
    }


@pytest.mark.django_db
def test_each_decision_names_its_identifier_and_person():
    maria = subject_for("maria@example.se")
    record(maria, "primary_use", source="registration")
    decisions = consent_decisions(
        purpose="marketing_own", channel="email", identifiers=[" Maria@Example.se", "nobody@example.com", str(maria.pk)]
    )
    assert [(d.identifier, d.subject_id, d.allowed, d.reason) for d in decisions] == [
        (" Maria@Example.se", maria.pk, True, Reason.OPT_OUT_DEFAULT),
        ("nobody@example.com", None, False, Reason.NO_POLICY_ACCEPTED),
        (str(maria.pk), maria.pk, True, Reason.OPT_OUT_DEFAULT),
    ]


@pytest.mark.django_db
def test_a_purpose_without_channels_is_checked_with_no_channel():
    maria = subject_for("maria@example.se")
    record(maria, "cookies_analytics", "granted")
    decisions = consent_decisions(purpose="cookies_analytics", channel="", identifiers=["maria@example.se"])
    assert [(d.allowed, d.reason) for d in decisions] == [(True, Reason.GRANTED)]


@pytest.mark.django_db
def test_the_check_says_which_identifiers_are_wrong_and_why():
    with pytest.raises(ValidationError) as refused:
        consent_decisions(
            purpose="marketing_own", channel="email", identifiers=["maria@example.se", "not-an-address", "x@"]
        )
    assert refused.value.message_dict == {
        "identifiers": [
            "Item 1 ('not-an-address'): Expected an email address, a SHA-256 hash or a subject id.",
            "Item 2 ('x@'): Enter a valid email address.",
        ]
    }


@pytest.mark.django_db
def test_only_the_first_twenty_wrong_identifiers_are_listed():
    with pytest.raises(ValidationError) as refused:
        consent_decisions(purpose="marketing_own", channel="email", identifiers=[f"bad{n}" for n in range(25)])
    errors = refused.value.message_dict["identifiers"]
    assert len(errors) == 20 and errors[-1].startswith("Item 19 ('bad19')")


@pytest.mark.django_db
def test_a_check_takes_up_to_10000_identifiers():
    identifiers = ["nobody@example.com"] * IDENTIFIER_BATCH_LIMIT
    assert len(consent_decisions(purpose="marketing_own", channel="email", identifiers=identifiers)) == 10_000
    with pytest.raises(ValidationError) as refused:
        consent_decisions(purpose="marketing_own", channel="email", identifiers=[*identifiers, "nobody@example.com"])
    assert refused.value.message_dict == {"identifiers": ["At most 10000 identifiers per call."]}


@pytest.mark.django_db
def test_a_channel_is_required_for_a_purpose_that_contacts_people():
    with pytest.raises(ValidationError) as refused:
        consent_decisions(purpose="research", channel=None, identifiers=["maria@example.se"])
    assert refused.value.message_dict == {"channel": ["The purpose research needs a channel: one of email, phone."]}


@pytest.mark.django_db
def test_contact_decision_for_one_person_by_address_or_id():
    maria = subject_for("maria@example.se")
    record(maria, "primary_use", source="registration")
    record(maria, "marketing_own", "withdrawn", channel="email")
    by_digest = contact_decision(purpose="marketing_own", channel="email", digest=email_digest("maria@example.se"))
    assert by_digest == (False, Reason.WITHDRAWN)
    assert contact_decision(purpose="marketing_own", channel="email", subject_id=maria.pk) == (False, Reason.WITHDRAWN)
    assert contact_decision(purpose="marketing_own", channel="phone", subject_id=maria.pk) == (
        True,
        Reason.OPT_OUT_DEFAULT,
    )
    SuppressionEntry.objects.create(identifier_digest=email_digest("maria@example.se"), reason="complaint")
    assert contact_decision(purpose="marketing_own", channel="phone", subject_id=maria.pk) == (
        False,
        Reason.SUPPRESSED,
    )
    assert contact_decision(purpose="transfer_abroad", channel="", subject_id=maria.pk) == (
        True,
        Reason.OPT_OUT_DEFAULT,
    )


def _overall(subject, code, at=None):
    return next(state for state in consent_state(subject=subject, at=at) if state.purpose.code == code)


@pytest.mark.django_db
def test_a_persons_state_names_the_choice_behind_each_decision():
    maria = subject_for("maria@example.se")
    with time_machine.travel("2026-03-01T09:00:00Z", tick=False):
        record(maria, "primary_use", source="registration")
    with time_machine.travel("2026-03-02T09:00:00Z", tick=False):
        withdrawn = record(maria, "research", "withdrawn", channel="phone")
    research = _overall(maria, "research")
    assert (research.overall.decision, research.overall.event_id, research.overall.updated_at) == (None, None, None)
    assert (research.overall.allowed, research.overall.reason) == (True, Reason.OPT_OUT_DEFAULT)
    email, phone = research.channels
    assert (email.channel, email.allowed, email.reason) == ("email", True, Reason.OPT_OUT_DEFAULT)
    assert (phone.channel, phone.decision, phone.allowed, phone.reason) == ("phone", "withdrawn", False, "withdrawn")
    assert (phone.event_id, phone.updated_at) == (withdrawn.pk, datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC))


@pytest.mark.django_db
def test_a_suppression_counts_from_when_it_was_made_and_by_its_scope():
    maria = subject_for("maria@example.se")
    with time_machine.travel("2026-03-01T09:00:00Z", tick=False):
        record(maria, "primary_use", source="registration")
    with time_machine.travel("2026-03-10T09:00:00Z", tick=False):
        SuppressionEntry.objects.create(
            identifier_digest=maria.email_digest, reason="bounce", purpose="marketing_own", channel="email"
        )
        SuppressionEntry.objects.create(identifier_digest=maria.email_digest, reason="complaint", purpose="research")
    before = _overall(maria, "marketing_own", at=datetime.datetime(2026, 3, 5, tzinfo=datetime.UTC))
    assert [c.reason for c in [before.overall, *before.channels]] == [Reason.OPT_OUT_DEFAULT] * 4
    own = _overall(maria, "marketing_own")
    # A channel's entry suppresses that channel, not the purpose as a whole.
    assert [(c.channel, c.reason) for c in [own.overall, *own.channels]] == [
        (None, Reason.OPT_OUT_DEFAULT),
        ("email", Reason.SUPPRESSED),
        ("phone", Reason.OPT_OUT_DEFAULT),
        ("postal", Reason.OPT_OUT_DEFAULT),
    ]
    research = _overall(maria, "research")
    assert [c.reason for c in [research.overall, *research.channels]] == [Reason.SUPPRESSED] * 3
    third = _overall(maria, "marketing_third_party")
    assert [c.reason for c in [third.overall, *third.channels]] == [Reason.NOT_GRANTED] * 4


@pytest.mark.django_db
def test_an_erased_person_is_erased_from_the_moment_of_erasure():
    maria = subject_for("maria@example.se")
    with time_machine.travel("2026-03-01T09:00:00Z", tick=False):
        record(maria, "primary_use", source="registration")
    maria.erased_at = datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC)
    maria.save(update_fields=["erased_at"])
    before = _overall(maria, "marketing_own", at=datetime.datetime(2026, 3, 9, tzinfo=datetime.UTC))
    at_erasure = _overall(maria, "marketing_own", at=datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC))
    assert before.overall.reason == Reason.OPT_OUT_DEFAULT
    assert at_erasure.overall.reason == Reason.ERASED
    assert _overall(maria, "marketing_own").overall.reason == Reason.ERASED
    assert timezone.now() > maria.erased_at


@pytest.mark.django_db
def test_a_person_known_without_an_address_has_a_state_that_no_list_suppresses():
    from consent.accounts.services import subject_get_or_create

    person = subject_get_or_create(external_id="crm-7")
    record(person, "primary_use", source="registration")
    record(person, "marketing_own", "withdrawn", channel="email")
    SuppressionEntry.objects.create(identifier_digest=email_digest("someone@example.se"), reason="complaint")
    marketing = _overall(person, "marketing_own")
    assert (marketing.overall.allowed, marketing.overall.reason) == (True, Reason.OPT_OUT_DEFAULT)
    by_channel = {choice.channel: choice.reason for choice in marketing.channels}
    assert (by_channel["email"], by_channel["phone"]) == (Reason.WITHDRAWN, Reason.OPT_OUT_DEFAULT)

import hashlib
from datetime import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.accounts.identity import email_digest
from consent.accounts.selectors import IDENTIFIER_BATCH_LIMIT as CHECK_LIMIT
from consent.decisions.rules import Reason, consent_decisions, consent_state
from consent.ledger.selectors import purposes_by_code
from consent.suppression.models import SuppressionEntry
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _state(subject, at=None) -> dict:
    """{(purpose, channel): (allowed, reason)} for the whole state."""
    result = {}
    for purpose_state in consent_state(subject=subject, at=at):
        for choice in [purpose_state.overall, *purpose_state.channels]:
            result[(purpose_state.purpose.code, choice.channel)] = (choice.allowed, choice.reason)
    return result


@pytest.fixture
def timeline():
    """Maria registers on 1 March, withdraws email marketing on 10 March, grants partner
    marketing by email on 20 March, withdraws all own marketing on 1 April."""
    subject = subject_for("maria@example.se")
    with time_machine.travel("2026-03-01T09:00:00Z", tick=False):
        record(subject, "primary_use", source="registration")
    with time_machine.travel("2026-03-10T09:00:00Z", tick=False):
        record(subject, "marketing_own", "withdrawn", channel="email")
    with time_machine.travel("2026-03-20T09:00:00Z", tick=False):
        record(subject, "marketing_third_party", "granted", channel="email")
    with time_machine.travel("2026-04-01T09:00:00Z", tick=False):
        record(subject, "marketing_own", "withdrawn")
    return subject


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (
            "2026-02-28T00:00:00+00:00",
            {
                ("primary_use", None): (False, Reason.NOT_GRANTED),
                ("marketing_own", "email"): (False, Reason.NO_POLICY_ACCEPTED),
            },
        ),
        (
            "2026-03-05T00:00:00+00:00",
            {
                ("primary_use", None): (True, Reason.GRANTED),
                ("marketing_own", "email"): (True, Reason.OPT_OUT_DEFAULT),
                ("marketing_third_party", "email"): (False, Reason.NOT_GRANTED),
            },
        ),
        (
            "2026-03-15T00:00:00+00:00",
            {
                ("marketing_own", "email"): (False, Reason.WITHDRAWN),
                ("marketing_own", "phone"): (True, Reason.OPT_OUT_DEFAULT),
                ("marketing_third_party", "email"): (False, Reason.NOT_GRANTED),
            },
        ),
        (
            "2026-03-25T00:00:00+00:00",
            {
                ("marketing_third_party", "email"): (True, Reason.GRANTED),
                ("marketing_third_party", "phone"): (False, Reason.NOT_GRANTED),
                ("marketing_own", "phone"): (True, Reason.OPT_OUT_DEFAULT),
            },
        ),
        (
            "2026-04-02T00:00:00+00:00",
            {
                ("marketing_own", None): (False, Reason.WITHDRAWN),
                ("marketing_own", "phone"): (False, Reason.WITHDRAWN),
                ("marketing_own", "postal"): (False, Reason.WITHDRAWN),
                ("research", "email"): (True, Reason.OPT_OUT_DEFAULT),
            },
        ),
    ],
)
def test_state_as_of_matches_the_timeline(timeline, at, expected):
    state = _state(timeline, at=_at(at))
    for key, value in expected.items():
        assert state[key] == value, key


def test_current_state_equals_state_as_of_now(timeline):
    assert _state(timeline) == _state(timeline, at=timezone.now())


def test_a_later_channel_grant_overrides_an_earlier_all_channel_withdrawal(timeline):
    record(timeline, "marketing_own", "granted", channel="postal")
    state = _state(timeline)
    assert state[("marketing_own", "postal")] == (True, Reason.GRANTED)
    assert state[("marketing_own", "email")] == (False, Reason.WITHDRAWN)


def test_the_batch_check_agrees_with_the_persons_own_state(timeline):
    """Two readers of the current state (the subject's consent_choices for the check,
    ConsentState for the person's page) give the same answer for every purpose and channel."""
    record(timeline, "marketing_own", "granted", channel="postal")
    record(timeline, "research", "withdrawn", channel="phone")
    record(timeline, "research", "granted")
    record(timeline, "cookies_analytics", "granted")
    for (purpose, channel), expected in _state(timeline).items():
        if channel is None and purposes_by_code()[purpose].channels:
            continue  # the check always names a channel for a purpose that contacts people
        [decision] = consent_decisions(purpose=purpose, channel=channel, identifiers=[str(timeline.pk)])
        assert (decision.allowed, decision.reason) == expected, (purpose, channel)


def _decide(identifiers, purpose="marketing_own", channel="email"):
    return [(d.allowed, d.reason) for d in consent_decisions(purpose=purpose, channel=channel, identifiers=identifiers)]


def test_opt_out_purposes_are_allowed_by_default_and_opt_in_are_not():
    subject = subject_for("new@example.com")
    record(subject, "primary_use", source="registration")
    assert _decide(["new@example.com"], "marketing_own") == [(True, Reason.OPT_OUT_DEFAULT)]
    assert _decide(["new@example.com"], "marketing_third_party") == [(False, Reason.NOT_GRANTED)]
    assert _decide(["new@example.com"], "cookies_analytics", None) == [(False, Reason.NOT_GRANTED)]


def test_every_reason_in_one_call():
    registered = subject_for("registered@example.com")
    record(registered, "primary_use", source="registration")
    granted = subject_for("granted@example.com")
    record(granted, "primary_use", source="registration")
    record(granted, "marketing_own", "granted", channel="email")
    withdrawn = subject_for("withdrawn@example.com")
    record(withdrawn, "primary_use", source="registration")
    record(withdrawn, "marketing_own", "withdrawn", channel="email")
    suppressed = subject_for("suppressed@example.com")
    record(suppressed, "primary_use", source="registration")
    record(suppressed, "marketing_own", "granted", channel="email")
    SuppressionEntry.objects.create(identifier_digest=email_digest("suppressed@example.com"), reason="complaint")
    SuppressionEntry.objects.create(
        identifier_digest=email_digest("never-registered@example.com"), reason="bounce", channel="email"
    )
    erased = subject_for("erased@example.com")
    record(erased, "marketing_own", "granted", channel="email")
    type(erased).objects.filter(pk=erased.pk).update(erased_at=timezone.now())

    identifiers = [
        "registered@example.com",
        "GRANTED@example.com",
        "withdrawn@example.com",
        "suppressed@example.com",
        "never-registered@example.com",
        "erased@example.com",
        "stranger@example.com",
        hashlib.sha256(b"granted@example.com").hexdigest(),
        str(withdrawn.pk),
    ]
    assert _decide(identifiers) == [
        (True, Reason.OPT_OUT_DEFAULT),
        (True, Reason.GRANTED),
        (False, Reason.WITHDRAWN),
        (False, Reason.SUPPRESSED),
        (False, Reason.SUPPRESSED),
        (False, Reason.ERASED),
        (False, Reason.NO_POLICY_ACCEPTED),
        (True, Reason.GRANTED),
        (False, Reason.WITHDRAWN),
    ]


def test_suppression_scoped_to_a_channel_leaves_other_channels():
    subject = subject_for("scoped@example.com")
    record(subject, "primary_use", source="registration")
    SuppressionEntry.objects.create(
        identifier_digest=email_digest("scoped@example.com"), reason="bounce", channel="email"
    )
    assert _decide(["scoped@example.com"], channel="email") == [(False, Reason.SUPPRESSED)]
    assert _decide(["scoped@example.com"], channel="postal") == [(True, Reason.OPT_OUT_DEFAULT)]


def test_decisions_take_one_query(django_assert_num_queries):
    for n in range(20):
        record(subject_for(f"p{n}@example.com"), "primary_use", source="registration")
    purposes_by_code()  # the purpose cache is warm in a running server
    with django_assert_num_queries(1):
        consent_decisions(
            purpose="marketing_own", channel="email", identifiers=[f"p{n}@example.com" for n in range(20)]
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"purpose": "nope", "channel": "email", "identifiers": ["a@example.com"]}, "purpose"),
        ({"purpose": "marketing_own", "channel": None, "identifiers": ["a@example.com"]}, "channel"),
        ({"purpose": "cookies_analytics", "channel": "email", "identifiers": ["a@example.com"]}, "channel"),
        (
            {"purpose": "marketing_own", "channel": "email", "identifiers": ["a@example.com", "not-an-address"]},
            "identifiers",
        ),
        (
            {"purpose": "marketing_own", "channel": "email", "identifiers": ["a@example.com"] * (CHECK_LIMIT + 1)},
            "identifiers",
        ),
    ],
)
def test_bad_checks_name_the_field(kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        consent_decisions(**kwargs)
    assert field in excinfo.value.message_dict

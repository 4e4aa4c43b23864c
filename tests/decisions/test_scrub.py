import io
from collections import Counter

import pytest

from consent.decisions.rules import Reason, consent_decisions, consent_state
from consent.decisions.scrub import DUPLICATE, INVALID, scrub_addresses, scrub_file
from consent.ledger.selectors import purposes_by_code
from consent.ledger.services import Actor
from consent.suppression.files import RefusedFile
from consent.suppression.services import suppression_add
from tests.api.helpers import error_field
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """One person per reason the rule can give, and a few that combine them."""
    subjects = {}

    def person(name, *events):
        subject = subjects[name] = subject_for(f"{name}@example.com")
        for purpose, decision, channel in events:
            record(subject, purpose, decision, channel=channel)
        return subject

    registered = ("primary_use", "granted", None)
    person("granted", registered, ("marketing_own", "granted", "email"), ("marketing_third_party", "granted", None))
    person("optout", registered)
    person("withdrawn", registered, ("marketing_own", "withdrawn", None), ("research", "withdrawn", "email"))
    person("channel_grant_after_withdrawal", registered, ("marketing_own", "withdrawn", None),
           ("marketing_own", "granted", "email"))  # fmt: skip
    person("nopolicy")
    suppressed = person("suppressed", registered, ("marketing_third_party", "granted", None))
    phone_only = person("phone_suppressed", registered, ("marketing_third_party", "granted", None))
    erased = person("erased", registered, ("marketing_own", "granted", None))
    # Entries written directly (no ledger events), so each fact stays apart from the others.
    from consent.suppression.models import SuppressionEntry

    SuppressionEntry.objects.create(identifier_digest=suppressed.email_digest, reason="bounce")
    SuppressionEntry.objects.create(identifier_digest=phone_only.email_digest, channel="phone", reason="complaint")
    SuppressionEntry.objects.create(
        identifier_digest=subjects["granted"].email_digest, purpose="research", reason="representative"
    )
    erased.erased_at = erased.created_at
    erased.save(update_fields=["erased_at"])
    return subjects


# The purposes that contact people, as the data migration seeds them (checked below).
CONTACT_SCOPES = [
    ("marketing_own", "email"), ("marketing_own", "phone"), ("marketing_own", "postal"),
    ("marketing_third_party", "email"), ("marketing_third_party", "phone"), ("marketing_third_party", "postal"),
    ("research", "email"), ("research", "phone"),
]  # fmt: skip


def contact_scopes():
    return CONTACT_SCOPES


def test_the_scopes_tested_are_every_contact_scope():
    seeded = [(code, channel) for code, purpose in purposes_by_code().items() for channel in purpose.channels]
    assert sorted(seeded) == sorted(CONTACT_SCOPES)


@pytest.mark.parametrize(("purpose", "channel"), contact_scopes())
def test_the_scrub_agrees_with_each_persons_state_and_with_the_check(people, purpose, channel):
    addresses = [f"{name}@example.com" for name in people] + ["stranger@example.com"]
    result = scrub_addresses(purpose=purpose, channel=channel, addresses=addresses)

    expected_allowed, expected_reasons = [], Counter()
    for name, subject in people.items():
        [state] = [s for s in consent_state(subject=subject) if s.purpose.code == purpose]
        [choice] = [c for c in state.channels if c.channel == channel]
        if choice.allowed:
            expected_allowed.append(f"{name}@example.com")
        else:
            expected_reasons[choice.reason] += 1
    [stranger] = consent_decisions(purpose=purpose, channel=channel, identifiers=["stranger@example.com"])
    if stranger.allowed:
        expected_allowed.append("stranger@example.com")
    else:
        expected_reasons[stranger.reason] += 1

    assert result.addresses == expected_allowed
    assert {k: v for k, v in result.excluded.items() if v} == dict(expected_reasons)
    assert result.deliverable == len(expected_allowed)
    check = consent_decisions(purpose=purpose, channel=channel, identifiers=addresses)
    assert [d.identifier for d in check if d.allowed] == expected_allowed


def test_every_reason_is_exercised(people):
    seen = set()
    for purpose, channel in contact_scopes():
        result = scrub_addresses(purpose=purpose, channel=channel, addresses=[f"{name}@example.com" for name in people])
        seen |= {reason for reason, count in result.excluded.items() if count}
        seen |= {Reason.GRANTED} if result.deliverable else set()
    assert {Reason.SUPPRESSED, Reason.WITHDRAWN, Reason.NOT_GRANTED, Reason.ERASED, Reason.NO_POLICY_ACCEPTED} <= seen


def test_invalid_and_repeated_addresses_are_counted_apart(people):
    result = scrub_addresses(
        purpose="marketing_own", channel="email",
        addresses=["optout@example.com", "OPTOUT@example.com ", "not an address", ""],
    )  # fmt: skip
    assert result.addresses == ["optout@example.com"]
    assert (result.excluded[INVALID], result.excluded[DUPLICATE]) == (2, 1)


def test_a_file_comes_back_as_its_deliverable_rows_in_order(people):
    source = io.BytesIO(
        "Namn;E-post;Stad\r\nA;granted@example.com;Lund\r\nB;suppressed@example.com;Nice\r\n"
        "C;optout@example.com;Åre\r\nD;fel;X\r\n".encode("cp1252")
    )
    output = io.StringIO()
    result = scrub_file(purpose="marketing_own", channel="email", source=source, output=output)
    assert output.getvalue() == "Namn;E-post;Stad\r\nA;granted@example.com;Lund\r\nC;optout@example.com;Åre\r\n"
    assert (result.rows, result.deliverable, result.excluded[Reason.SUPPRESSED], result.excluded[INVALID]) == (
        4, 2, 1, 1
    )  # fmt: skip


def test_a_file_that_is_no_list_is_refused():
    with pytest.raises(RefusedFile):
        scrub_file(purpose="marketing_own", channel="email", source=io.BytesIO(bytes(range(256)) * 4),
                   output=io.StringIO())  # fmt: skip


def test_scrub_api(api_key_client, people):
    suppression_add(
        identifiers=["optout@example.com"], channel="phone", reason="import", source="t", actor=Actor.system()
    )
    client = api_key_client("suppression:read")
    response = client.post(
        "/api/v1/suppressions/scrub/",
        {"purpose": "marketing_own", "channel": "email",
         "addresses": ["granted@example.com", "suppressed@example.com", "optout@example.com", "nope"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["deliverable"] == ["granted@example.com", "optout@example.com"]
    assert (body["received"], body["deliverable_count"]) == (4, 2)
    assert body["excluded"]["suppressed"] == 1 and body["excluded"]["invalid"] == 1


def test_scrub_api_refuses_a_scope_without_channel(api_key_client):
    client = api_key_client("suppression:read")
    response = client.post(
        "/api/v1/suppressions/scrub/", {"purpose": "marketing_own", "addresses": ["a@example.com"]}, format="json"
    )
    assert error_field(response) == "channel"

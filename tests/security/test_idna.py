"""A withdrawal through the Unicode form of a domain reaches the person who granted through
its ASCII form, and no one at the IDNA 2003 look-alike domain."""

import pytest

from consent.decisions.rules import consent_decisions
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db


def test_a_withdrawal_by_the_unicode_domain_reaches_the_grant_by_the_ascii_one():
    person = subject_for("v@xn--strae-oqa.de")
    record(person, "primary_use", source="registration")
    record(person, "marketing_own", "granted", channel="email")
    record(subject_for("v@straße.de"), "marketing_own", "withdrawn", channel="email")

    decisions = consent_decisions(
        purpose="marketing_own", channel="email", identifiers=["v@xn--strae-oqa.de", "v@straße.de"]
    )
    assert [(d.subject_id, d.allowed, d.reason) for d in decisions] == [(person.pk, False, "withdrawn")] * 2
    assert subject_for("v@strasse.de").pk != person.pk  # the look-alike domain is someone else

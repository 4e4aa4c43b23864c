"""consent.banner.services directly: what is recorded, and what is not recorded twice."""

import pytest

from consent.banner.services import banner_choices_record
from consent.ledger.chain import Evidence
from consent.ledger.models import ConsentEvent
from tests.factories import UserFactory, record

pytestmark = pytest.mark.django_db


def test_a_gpc_signal_for_a_person_is_recorded_once_and_partners_marketing_on_every_channel():
    person = UserFactory()
    record(person.subject, "marketing_third_party", "granted", channel="email")

    subject, first = banner_choices_record(
        subject=person.subject, choices={}, gpc=True, source="api", evidence=Evidence(language="en")
    )
    _subject, again = banner_choices_record(
        subject=person.subject, choices={}, gpc=True, source="api", evidence=Evidence(language="en")
    )

    assert subject == person.subject
    assert [(e.purpose_id, e.channel, e.decision, e.source) for e in first] == [
        ("cookies_advertising", None, "withdrawn", "gpc"),
        ("marketing_third_party", None, "withdrawn", "gpc"),
    ]
    assert again == []
    assert ConsentEvent.objects.filter(subject=person.subject).count() == 3


def test_a_first_visit_makes_an_anonymous_subject_with_its_choices():
    subject, events = banner_choices_record(
        subject=None, choices={"analytics": True}, gpc=False, source="api", evidence=Evidence()
    )

    assert subject.user_id is None and subject.email_digest is None
    assert [(e.subject_id, e.purpose_id, e.decision) for e in events] == [(subject.pk, "cookies_analytics", "granted")]

"""Issue 12 (R7): the disclosure register, its partner-marketing rule, and the 1798.83 answer."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from consent.accounts.roles import PRIVACY_OFFICER
from consent.ledger.services import Actor
from consent.suppression.services import suppression_add
from requests_app.disclosures import answer_1798_83, disclosure_save
from requests_app.models import Disclosure, ThirdParty
from tests.factories import record, staff_in_role, staff_login, subject_for

pytestmark = pytest.mark.django_db


def at(year: int, month: int = 6, day: int = 1) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


def party(name: str, kind: str = "partner", address: str = "", country: str = "US") -> ThirdParty:
    return ThirdParty.objects.create(name=name, kind=kind, country=country, address=address or f"1 {name} Way")


@pytest.fixture
def granted():
    person = subject_for("granted@example.com")
    record(person, "marketing_third_party", channel="email")
    return person


@pytest.fixture
def not_granted():
    person = subject_for("never@example.com")
    record(person, "marketing_own", channel="email")
    return person


def partner_marketing(third_party, subjects, when=None, categories=("name", "email")):
    return disclosure_save(
        third_party=third_party, basis="partner_marketing", data_categories=list(categories), subjects=subjects,
        disclosed_at=when or at(2025), actor="po@example.com",
    )  # fmt: skip


def test_a_partner_marketing_disclosure_without_the_grant_is_refused_naming_the_people(granted, not_granted):
    with pytest.raises(ValidationError) as refused:
        partner_marketing(party("Acme"), [granted, not_granted])

    message = " ".join(refused.value.message_dict["subjects"])
    assert str(not_granted.pk) in message and str(granted.pk) not in message
    assert not Disclosure.objects.exists()


def test_with_the_grant_it_is_recorded_with_the_people_concerned(granted):
    disclosure = partner_marketing(party("Acme"), [granted])

    assert list(disclosure.subjects.all()) == [granted]
    assert (disclosure.basis, disclosure.data_categories, disclosure.recorded_by) == (
        "partner_marketing", ["name", "email"], "po@example.com",
    )  # fmt: skip


def test_a_withdrawn_grant_or_an_unsubscribed_address_no_longer_counts(granted):
    other = subject_for("unsubscribed@example.com")
    record(other, "marketing_third_party", channel="email")
    suppression_add(identifiers=["unsubscribed@example.com"], reason="unsubscribe_link", source="test",
                    actor=Actor.system())  # fmt: skip
    record(granted, "marketing_third_party", "withdrawn", channel="email")

    with pytest.raises(ValidationError) as refused:
        partner_marketing(party("Acme"), [granted, other])

    message = " ".join(refused.value.message_dict["subjects"])
    assert str(granted.pk) in message and str(other.pk) in message


def test_other_bases_need_no_marketing_grant(not_granted):
    court = party("District Court", kind="authority")
    disclosure = disclosure_save(
        third_party=court, basis="legal_process", data_categories=["name", "postal_address"], subjects=[not_granted],
        disclosed_at=at(2025), reference="Case 123-45",
    )  # fmt: skip
    assert disclosure.pk is not None


def test_unknown_categories_are_refused(granted):
    with pytest.raises(ValidationError):
        disclosure_save(third_party=party("Acme"), basis="processing_agreement", data_categories=["shoe_size"],
                        subjects=[granted], disclosed_at=at(2025))  # fmt: skip


def test_the_1798_83_answer_lists_exactly_the_partners_that_got_the_data_that_year(granted):
    other = subject_for("other@example.com")
    record(other, "marketing_third_party", channel="postal")
    acme = party("Acme Marketing", address="100 Main St\nSpringfield, CA 90001")
    zenith = party("Zenith Offers", address="5 Market St, San Francisco, CA 94105")
    partner_marketing(acme, [granted, other], when=at(2025, 1, 1), categories=["name", "email"])
    partner_marketing(acme, [granted], when=at(2025, 12, 31), categories=["postal_address"])
    partner_marketing(zenith, [granted], when=at(2025, 3, 3), categories=["email", "preferences"])
    # Not that year, not this person, not for direct marketing:
    partner_marketing(party("Old Partner"), [granted], when=at(2024, 12, 31))
    partner_marketing(party("Other's Partner"), [other], when=at(2025))
    disclosure_save(third_party=party("Court", kind="authority"), basis="legal_process", data_categories=["name"],
                    subjects=[granted], disclosed_at=at(2025))  # fmt: skip
    disclosure_save(third_party=party("Mailhouse", kind="vendor"), basis="processing_agreement",
                    data_categories=["postal_address"], subjects=[granted], disclosed_at=at(2025))  # fmt: skip

    answer = answer_1798_83(subject=granted, year=2025)

    assert answer["year"] == 2025 and answer["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert [(p["name"], p["address"], [c["code"] for c in p["categories"]]) for p in answer["third_parties"]] == [
        ("Acme Marketing", "100 Main St\nSpringfield, CA 90001", ["name", "email", "postal_address"]),
        ("Zenith Offers", "5 Market St, San Francisco, CA 94105", ["email", "preferences"]),
    ]
    assert [c["code"] for c in answer["categories"]] == ["name", "email", "postal_address", "preferences"]
    assert answer["categories"][0]["label"] == "Name"
    assert answer_1798_83(subject=granted, year=2023)["third_parties"] == []


def test_the_privacy_officer_records_a_disclosure_in_the_admin_and_sees_a_refusal(client, granted, not_granted):
    staff_login(client, staff_in_role(PRIVACY_OFFICER))
    acme = party("Acme")
    form = {
        "third_party": acme.pk, "basis": "partner_marketing", "data_categories": ["name", "email"],
        "disclosed_at_0": "2025-06-01", "disclosed_at_1": "12:00:00", "reference": "LIST-1", "note": "",
    }  # fmt: skip

    refused = client.post("/admin/requests_app/disclosure/add/", {**form, "subjects": f"{granted.pk},{not_granted.pk}"})
    assert refused.status_code == 200
    assert str(not_granted.pk) in refused.content.decode() and not Disclosure.objects.exists()

    accepted = client.post("/admin/requests_app/disclosure/add/", {**form, "subjects": str(granted.pk)})
    assert accepted.status_code == 302
    disclosure = Disclosure.objects.get()
    assert list(disclosure.subjects.all()) == [granted] and disclosure.recorded_by.startswith("person")


def test_a_recorded_disclosure_can_be_corrected_after_a_withdrawal_but_gains_no_one_without_the_grant(
    granted, not_granted
):
    disclosure = partner_marketing(party("Acme"), [granted])
    record(granted, "marketing_third_party", "withdrawn", channel="email")

    corrected = disclosure_save(
        disclosure=disclosure, third_party=disclosure.third_party, basis="partner_marketing",
        data_categories=["name", "email"], subjects=[granted], disclosed_at=disclosure.disclosed_at, reference="LIST-2",
    )  # fmt: skip
    assert corrected.reference == "LIST-2"

    with pytest.raises(ValidationError) as refused:
        disclosure_save(
            disclosure=disclosure, third_party=disclosure.third_party, basis="partner_marketing",
            data_categories=["name"], subjects=[granted, not_granted], disclosed_at=disclosure.disclosed_at,
        )  # fmt: skip
    assert str(not_granted.pk) in " ".join(refused.value.message_dict["subjects"])
    assert list(Disclosure.objects.get().subjects.all()) == [granted]

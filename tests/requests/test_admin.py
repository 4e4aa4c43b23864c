"""The back office: representatives record requests, work their office's queue through the
workflow form (every step a service call), and see only their office's people."""

import pytest

from consent.accounts.models import DataAccess
from consent.accounts.roles import PRIVACY_OFFICER, REPRESENTATIVE
from requests_app.common import RequestActor
from requests_app.models import SubjectRequest
from requests_app.services import request_submit, request_verify
from tests.database import query_plans
from tests.factories import UserFactory, staff_in_role, staff_login
from tests.requests.conftest import emails_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(client, offices):
    user = staff_in_role(REPRESENTATIVE, email="rep@example.com")
    offices["nordic"].staff.add(user)
    staff_login(client, user)
    return user


def test_a_representative_records_a_phone_request_with_its_verification(client, rep):
    response = client.post(
        "/admin/requests_app/subjectrequest/add/",
        {
            "type": "objection_marketing", "channel": "phone", "requester_name": "Eva", "language": "sv",
            "requester_email": "eva@example.se", "requester_phone": "", "requester_address": "", "country": "SE",
            "details": "Called: no more marketing.", "verification_method": "matched_data",
        },
    )  # fmt: skip
    assert response.status_code == 302
    made = SubjectRequest.objects.get()
    assert (made.channel, made.verification_method, made.verified_by) == ("phone", "matched_data", rep)
    assert made.status == "completed"  # an objection is applied on verification
    assert emails_to("eva@example.se")[0].language == "sv"


def test_a_request_the_service_refuses_is_shown_on_the_form_not_a_server_error(client, rep):
    response = client.post(
        "/admin/requests_app/subjectrequest/add/",
        {
            "type": "complaint", "channel": "mail", "requester_name": "Eva", "language": "sv",
            "requester_email": "eva@example.se", "requester_phone": "", "requester_address": "", "country": "SE",
            "details": "", "verification_method": "",
        },
    )  # fmt: skip

    assert response.status_code == 200
    assert "Tell us what your request is about." in response.content.decode()
    assert not SubjectRequest.objects.exists()


def test_the_workflow_form_moves_a_request_and_refusals_show(client, rep, offices):
    made = request_submit(type="question", channel="web_form", email="eva@example.se", country="SE", details="?")
    url = f"/admin/requests_app/subjectrequest/{made.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b"timeline" in page.content.lower()
    assert DataAccess.objects.filter(kind="request", staff=rep, subject=made.subject).exists()

    refused = client.post(url, {"action": "completed", "text": "Answer."}, follow=True)
    assert b"has not been verified" in refused.content or b"cannot become" in refused.content
    client.post(url, {"action": "verify", "verification_method_given": "matched_data"})
    client.post(url, {"action": "comment", "text": "Checked the CRM."})
    client.post(url, {"action": "completed", "text": "We hold your name and address."})
    made.refresh_from_db()
    assert made.status == "completed" and made.verified_by == rep
    assert [e.kind for e in made.events.all()] == ["received", "verified", "comment", "status"]
    assert "We hold your name and address." in emails_to("eva@example.se")[-1].body_text


def test_a_representative_sees_only_their_offices_queue_and_people(client, rep, offices):
    nordic = request_submit(type="question", channel="web_form", email="a@example.se", country="SE", details="?")
    french = request_submit(type="question", channel="web_form", email="b@example.fr", country="FR", details="?")
    listing = client.get("/admin/requests_app/subjectrequest/").content.decode()
    assert nordic.reference in listing and french.reference not in listing
    assert client.get(f"/admin/requests_app/subjectrequest/{french.pk}/change/").status_code == 302  # not found
    assert client.get(f"/admin/accounts/subject/{french.subject_id}/change/").status_code == 302
    assert client.get(f"/admin/accounts/subject/{nordic.subject_id}/change/").status_code == 200
    swede = UserFactory(email="c@example.se", country="SE")
    assert client.get(f"/admin/accounts/subject/{swede.subject.pk}/change/").status_code == 200


def test_staff_in_no_office_see_every_queue(client, offices):
    staff_login(client, staff_in_role(PRIVACY_OFFICER))
    made = request_submit(type="question", channel="web_form", email="b@example.fr", country="FR", details="?")
    assert made.reference in client.get("/admin/requests_app/subjectrequest/").content.decode()


def test_overdue_requests_are_highlighted(client, rep):
    made = request_submit(type="question", channel="web_form", email="a@example.se", country="SE", details="?")
    request_verify(request=made, method="email_link", actor=RequestActor.requester())
    SubjectRequest.objects.filter(pk=made.pk).update(due_at=made.received_at.replace(year=2000))
    listing = client.get("/admin/requests_app/subjectrequest/?deadline=overdue").content.decode()
    assert made.reference in listing and 'class="overdue"' in listing


def test_the_queue_finds_a_callers_requests_by_reference_email_or_phone(client, rep, offices):
    by_phone = request_submit(
        type="question", channel="phone", staff=rep, name="Eva", phone="070-111 22 33", country="SE",
        address="Storgatan 1\n111 22 Stockholm", details="?", verification_method="matched_data",
    )  # fmt: skip
    by_email = request_submit(type="question", channel="web_form", email="eva@example.se", country="SE", details="?")
    elsewhere = request_submit(type="question", channel="web_form", email="eva@example.fr", country="FR", details="?")

    def found(term: str) -> set[str]:
        listing = client.get("/admin/requests_app/subjectrequest/", {"q": term}).content.decode()
        return {r.reference for r in (by_phone, by_email, elsewhere) if r.reference in listing}

    assert found("+46 70 111 22 33") == {by_phone.reference}
    assert found(" EVA@example.se") == {by_email.reference}
    assert found(by_email.reference.lower()) == {by_email.reference}
    assert found("eva@example.fr") == set()  # another office's queue
    assert found("not-an-address@") == set()


def test_the_queue_finds_a_letter_writers_request_by_the_start_of_the_name_they_gave(client, rep, offices):
    letter = request_submit(
        type="access", channel="mail", staff=rep, name="Eva Svensson", country="SE",
        address="Storgatan 1\n111 22 Stockholm", details="Send me my data.", verification_method="matched_data",
    )  # fmt: skip
    other = request_submit(
        type="access", channel="mail", staff=rep, name="Olle Berg", country="SE",
        address="Storgatan 2\n111 22 Stockholm", details="Send me my data.", verification_method="matched_data",
    )  # fmt: skip

    def found(term: str) -> set[str]:
        listing = client.get("/admin/requests_app/subjectrequest/", {"q": term}).content.decode()
        return {r.reference for r in (letter, other) if r.reference in listing}

    assert found("eva sv") == {letter.reference}
    assert found("EVA") == {letter.reference}
    assert found("svensson") == set()  # the start of the name as given, not any word in it


def test_the_queue_name_search_uses_its_index(offices):
    from requests_app.selectors import requests_search

    with query_plans() as plans:
        list(requests_search(queryset=SubjectRequest.objects.all(), term="eva sv").queryset)
    assert any("requests_app_sr_name_prefix" in line for line in plans), plans

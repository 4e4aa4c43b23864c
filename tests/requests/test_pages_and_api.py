"""The requester's ways in: the API, the public form, the emailed links, the status page,
the download and the portal; and who is refused (404, as for a request that does not exist)."""

import datetime
import uuid

import pytest
import time_machine
from django.core import signing

from consent.accounts.models import DataAccess
from requests_app.common import ACCESS_SALT, RequestActor
from requests_app.delivery import access_export_create
from requests_app.models import SubjectRequest
from requests_app.services import request_submit, request_transition, request_verify
from tests.factories import UserFactory, staff_in_role, staff_login
from tests.requests.conftest import emails_to, link_in

pytestmark = pytest.mark.django_db


def completed_access(email="ann@example.com") -> SubjectRequest:
    made = request_submit(type="access", channel="web_form", email=email, name="Ann", country="SE")
    made = request_verify(request=made, method="email_link", actor=RequestActor.requester())
    made = request_transition(request=made, to="completed", actor=RequestActor.system())
    access_export_create(request_id=made.pk)
    return made


# --------------------------------------------------------------------------- API
def test_api_opens_a_request_publicly_and_emails_the_verification_link(api_client):
    response = api_client.post(
        "/api/v1/requests/",
        {"type": "access", "email": "Ann@Example.com", "name": "Ann", "country": "FR", "language": "fr"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "awaiting_verification" and body["reference"].startswith("SR-")
    made = SubjectRequest.objects.get(reference=body["reference"])
    assert (made.channel, made.requester_email, made.language) == ("api", "ann@example.com", "fr")
    assert "/requests/verify/" in emails_to("ann@example.com")[0].body_text


def test_api_refuses_bad_input_in_the_error_shape(api_client):
    response = api_client.post("/api/v1/requests/", {"type": "nonsense", "email": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_api_is_rate_limited(api_client, settings):
    settings.PUBLIC_FORM_RATE = "2/h"  # see tests/portal/test_accounts.py: no window edge, a fresh address
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    codes = [
        api_client.post("/api/v1/requests/", {"type": "question", "email": f"p{i}@example.com", "details": "?"},
                        format="json", REMOTE_ADDR=address).status_code
        for i in range(3)
    ]  # fmt: skip
    assert codes == [201, 201, 429]


def test_status_api_answers_the_requester_and_staff_and_404s_everyone_else(api_client, api_key_client):
    owner = UserFactory(email="ann@example.com")
    made = request_submit(type="question", channel="portal", user=owner, details="?")
    url = f"/api/v1/requests/{made.reference}/"

    assert api_client.get(url).status_code == 404  # anonymous
    api_client.force_login(UserFactory(email="mallory@example.com"))
    assert api_client.get(url).status_code == 404  # another person
    api_client.force_login(owner)
    assert api_client.get(url).json()["status"] == "open"
    assert api_client.get("/api/v1/requests/SR-2000-999999/").status_code == 404

    assert api_key_client("consent:read").get(url).status_code == 404
    assert api_key_client("requests:write").get(url).json()["reference"] == made.reference
    rep = staff_in_role("Customer representative")
    client = staff_login(api_client, rep)
    assert client.get(url).status_code == 200
    assert DataAccess.objects.filter(kind="request", staff=rep, object_id=made.reference).exists()


def test_staff_move_requests_through_the_api_and_invalid_moves_are_400(api_key_client):
    made = request_submit(type="question", channel="web_form", email="ann@example.com", details="?")
    client = api_key_client("requests:write")
    url = f"/api/v1/requests/{made.reference}/transitions/"

    refused = client.post(url, {"to": "completed", "resolution": "x"}, format="json")
    assert refused.status_code == 400 and "cannot become" in refused.json()["error"]["message"]
    request_verify(request=made, method="email_link", actor=RequestActor.requester())
    assert client.post(url, {"to": "rejected"}, format="json").status_code == 400
    moved = client.post(url, {"to": "completed", "resolution": "Answered."}, format="json")
    assert moved.status_code == 200 and moved.json()["status"] == "completed"
    assert api_key_client("consent:write").post(url, {"to": "withdrawn"}, format="json").status_code == 403


# --------------------------------------------------------------------------- pages
def test_public_form_then_the_emailed_link_verifies_and_opens_the_status_page(client):
    page = client.get("/requests/new/")
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    response = client.post(
        "/requests/new/", {"type": "access", "name": "Ann", "email": "ann@example.com", "country": "SE"}
    )
    made = SubjectRequest.objects.get()
    assert made.reference.encode() in response.content and made.channel == "web_form"

    link = link_in(emails_to("ann@example.com")[0], "/requests/verify/")
    assert client.get(link).status_code == 200  # a page with a button: link scanners verify nothing
    made.refresh_from_db()
    assert made.status == "awaiting_verification"
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == f"/requests/{made.reference}/"
    made.refresh_from_db()
    assert (made.status, made.verification_method, made.verification_level) == ("open", "email_link", "basic")
    status = client.get(f"/requests/{made.reference}/")
    assert status.status_code == 200 and b"Open" in status.content


def test_an_expired_or_forged_verification_link_is_refused(client):
    with time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), tick=False):
        made = request_submit(type="access", channel="web_form", email="ann@example.com")
        link = link_in(emails_to("ann@example.com")[0], "/requests/verify/")
    with time_machine.travel(datetime.datetime(2026, 1, 16, tzinfo=datetime.UTC), tick=False):
        response = client.post(link)
    assert response.status_code == 400 and b"expired" in response.content
    assert client.post(link[:-3] + "abc/").status_code == 400
    made.refresh_from_db()
    assert made.status == "awaiting_verification"


def test_another_persons_request_export_or_download_link_is_404(client):
    made = completed_access()
    other = completed_access(email="bo@example.com")
    mine = link_in(emails_to("ann@example.com")[-1], f"/requests/{made.reference}/download/")

    assert client.get(f"/requests/{made.reference}/").status_code == 404
    assert client.get(f"/requests/{made.reference}/download/").status_code == 404
    client.force_login(UserFactory(email="mallory@example.com"))
    assert client.get(f"/requests/{made.reference}/download/").status_code == 404
    # Ann's link opens Ann's download only, never Bo's.
    token = mine.split("?t=")[1]
    assert client.get(f"/requests/{other.reference}/download/?t={token}").status_code == 404
    response = client.get(mine)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert made.events.filter(kind="downloaded").count() == 1
    assert client.get(f"/requests/{other.reference}/").status_code == 404


def test_an_expired_download_link_is_refused(client):
    made = completed_access()
    with time_machine.travel(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=8), tick=False):
        old = signing.TimestampSigner(salt=ACCESS_SALT).sign(made.reference)
    assert client.get(f"/requests/{made.reference}/download/?t={old}").status_code == 404


def test_the_signed_in_requester_downloads_without_a_link(client):
    user = UserFactory(email="ann@example.com")
    made = completed_access()
    client.force_login(user)
    page = client.get(f"/requests/{made.reference}/")
    assert b"Download my data" in page.content
    assert client.get(f"/requests/{made.reference}/download/").status_code == 200


# --------------------------------------------------------------------------- portal
def test_portal_lists_the_persons_requests_their_office_and_takes_new_ones(client, offices):
    user = UserFactory(email="ann@example.com", country="FR", language="fr")
    client.force_login(user)
    response = client.post("/portal/requests/", {"type": "question", "details": "Where is my data?"})
    assert response.status_code == 302
    made = SubjectRequest.objects.get()
    assert (made.channel, made.status, made.verification_method) == ("portal", "open", "account_login")
    page = client.get("/portal/requests/").content.decode()
    assert made.reference in page and "Paris" in page and "fr@x.example" in page

"""Login, logout and password reset at their usual paths, translated, rate-limited, with
django-axes locking an address out after repeated failures."""

import re
import uuid

import pytest

from consent.notifications.models import OutboundEmail
from tests.factories import UserFactory
from tests.portal.helpers import PASSWORD, registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return UserFactory(email="lockme@example.com", password=PASSWORD, language="sv", first_name="Eva")


def login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_log_in_and_out_at_the_usual_paths(client, person):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Logga in" in page and "E-postadress" in page
    response = login(client, " LockMe@Example.com ", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    header = client.get("/").content.decode()
    assert "/portal/" in header and 'action="/accounts/logout/"' in header
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/portal/").status_code == 302


def test_the_portal_login_locks_out_the_canonical_address(client, person, settings):
    for variant in ["lockme@example.com", "LOCKME@example.com", " lockme@EXAMPLE.com"] * 2:
        login(client, variant, "wrong password")
    response = login(client, "LockMe@Example.com", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert client.get("/portal/").status_code == 302


def test_password_reset_goes_through_the_outbox_in_the_persons_language(client, person):
    page = client.get("/accounts/password_reset/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Choisir un nouveau mot de passe" in page

    response = client.post("/accounts/password_reset/", {"email": "LOCKME@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    [email] = OutboundEmail.objects.all()
    assert (email.template, email.to_address, email.language) == ("password_reset", person.email, "sv")
    assert "Välj ett nytt lösenord" in email.subject_line
    link = re.search(r"http://[^/]+(/accounts/reset/\S+/)", email.body_text).group(1)
    form = client.get(link, follow=True)
    new = "another long Passw0rd"
    assert client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}).status_code == 302
    assert login(client, person.email, new).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, person):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    "path", ["/accounts/register/", "/accounts/login/", "/accounts/password_reset/", "/requests/new/"]
)
def test_a_post_without_a_client_address_is_counted_not_a_server_error(client, policies, path):
    response = client.post(path, {}, REMOTE_ADDR="")

    assert response.status_code < 500


@pytest.mark.parametrize("path", ["/accounts/register/", "/accounts/login/", "/accounts/password_reset/"])
def test_public_forms_are_rate_limited_with_a_429_page(client, settings, policies, path):
    # An hour's window, so four quick posts (slow ones on a busy machine) hardly ever straddle its
    # edge; addresses new to every run, so an earlier run's count in Redis is never met.
    settings.PUBLIC_FORM_RATE = "3/h"
    ip = f"2001:db8::{uuid.uuid4().hex[:4]}"
    data = registration_data(client, email=f"{uuid.uuid4().hex}@example.com") if "register" in path else {
        "username": "x@example.com", "password": "x", "email": "x@example.com",
    }  # fmt: skip
    statuses = [client.post(path, data, REMOTE_ADDR=ip).status_code for _ in range(4)]
    assert statuses[:3] != [429, 429, 429] and statuses[3] == 429
    limited = client.post(path, data, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="sv")
    assert limited.status_code == 429 and "Vänta en stund" in limited.content.decode()
    # Reading the form is never limited, and another address is not affected.
    assert client.get(path, REMOTE_ADDR=ip).status_code == 200
    assert client.post(path, data, REMOTE_ADDR=f"2001:db8:1::{uuid.uuid4().hex[:4]}").status_code != 429


def test_the_header_and_the_home_pages_cards_lead_somewhere(client):
    page = client.get("/").content.decode()
    for href in (
        'href="/accounts/login/"',
        'href="/accounts/register/"',
        'href="/privacy/"',
        'href="/portal/choices/"',
        'href="/portal/profile/"',
    ):
        assert href in page, href
    assert 'id="language-select"' in page and 'href="#content"' in page

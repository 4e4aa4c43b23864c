"""The subject page: one person's whole story for a representative on the phone."""

import pytest
from django.utils import timezone

from consent.accounts.models import DataAccess, ProfileChange
from consent.accounts.roles import AUDITOR, MARKETING, REPRESENTATIVE
from consent.accounts.scope import subject_scope_register, subject_scope_unregister
from consent.ledger.models import ConsentEvent
from consent.ledger.services import Actor
from consent.notifications.models import OutboundEmail
from consent.suppression.models import SuppressionEntry
from consent.suppression.services import suppression_add
from requests_app.disclosures import disclosure_save
from requests_app.models import ThirdParty
from requests_app.services import request_submit
from tests.factories import UserFactory, record, staff_in_role, staff_login, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(client):
    user = staff_in_role(REPRESENTATIVE, email="rita@example.com")
    staff_login(client, user)
    return user


@pytest.fixture
def maria():
    user = UserFactory(
        email="maria@example.se", first_name="Maria", last_name="Lindqvist", phone="+46701234567", city="Malmö"
    )
    record(user.subject, "marketing_own", "granted", channel="email")
    record(user.subject, "research", "withdrawn")
    suppression_add(identifiers=["+46701234567"], reason="complaint", source="test", actor=Actor.system())
    ProfileChange.objects.create(user=user, fields=["city"], source="portal")
    OutboundEmail.objects.create(
        template="greeting",
        language="sv",
        subject=user.subject,
        to_address="maria@example.se",
        from_address="privacy@example.com",
        subject_line="Welcome, Maria",
        body_text="SECRET BODY TEXT",
        message_id="<1@test>",
    )
    user.request = request_submit(
        type="access", email=user.email, name="Maria Lindqvist", country="SE", channel="web_form"
    )
    disclosure_save(
        third_party=ThirdParty.objects.create(name="Mailhouse", kind="vendor", country="SE", address="Box 1"),
        basis="processing_agreement",
        data_categories=["email"],
        subjects=[user.subject],
        disclosed_at=timezone.now(),
    )
    return user


def _story(maria) -> str:
    return f"/admin/accounts/subject/{maria.subject.pk}/story/"


def test_the_page_shows_each_section(client, rep, maria):
    page = client.get(_story(maria))

    assert page.status_code == 200
    html = page.content.decode()
    # Identity and contact, from the account.
    assert "Maria Lindqvist" in html and "maria@example.se" in html and "+46701234567" in html and "Malmö" in html
    # Current choices per purpose and channel.
    section = html.split('id="section-choices"')[1].split("</section>")[0]
    assert "Our own marketing" in section and "allowed" in section and "withdrawn" in section
    # Timeline newest first, with receipts.
    timeline = html.split('id="section-timeline"')[1].split("</section>")[0]
    events = list(ConsentEvent.objects.filter(subject=maria.subject).order_by("-id"))
    positions = [timeline.index(f">#{e.pk}<") for e in events]
    assert positions == sorted(positions)
    assert f"/api/v1/receipts/{events[0].pk}/" in timeline
    # Suppression of the phone number, named as such (never the digest).
    suppression = html.split('id="section-suppression"')[1].split("</section>")[0]
    assert "phone number" in suppression and "Complaint" in suppression
    # Emails: the subject line, never the body.
    assert "Welcome, Maria" in html and "SECRET BODY TEXT" not in html
    # Profile history, who looked (this very look included).
    assert "city" in html.split('id="section-profile_changes"')[1].split("</section>")[0]
    assert "rita@example.com" in html.split('id="section-who_looked"')[1].split("</section>")[0]
    # Requests with their due dates, and what was disclosed about her.
    requests = html.split('id="section-requests"')[1].split("</section>")[0]
    assert maria.request.reference in requests and "Access" in requests
    assert f"{maria.request.due_at:%Y-%m-%d}" in requests
    disclosures = html.split('id="section-disclosures"')[1].split("</section>")[0]
    assert "Mailhouse" in disclosures
    # The requests app's buttons: a request form pre-filled with her details.
    assert "Record a request" in html and "requester_email=maria%40example.se" in html


def test_record_a_request_opens_the_form_filled_in(client, rep, maria):
    page = client.get(_story(maria))
    link = page.content.decode().split('href="/admin/requests_app/subjectrequest/add/?')[1].split('"')[0]

    form = client.get("/admin/requests_app/subjectrequest/add/?" + link.replace("&amp;", "&"))

    assert form.status_code == 200
    assert 'value="maria@example.se"' in form.content.decode()


def test_the_page_is_linked_from_the_lists_and_the_user(client, rep, maria):
    assert _story(maria) in client.get("/admin/accounts/subject/").content.decode()
    assert _story(maria) in client.get(f"/admin/accounts/user/{maria.pk}/change/").content.decode()
    assert _story(maria) in client.get(f"/admin/accounts/subject/{maria.subject.pk}/change/").content.decode()


def test_each_view_is_written_to_the_access_log(client, rep, maria):
    client.get(_story(maria))

    assert list(DataAccess.objects.values_list("actor_label", "kind", "object_id", "subject_id")) == [
        ("rita@example.com", "subject", str(maria.subject.pk), maria.subject.pk)
    ]


def test_the_query_count_does_not_grow_with_the_events(client, rep, maria, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as few:
        client.get(_story(maria))
    for n in range(60):
        record(maria.subject, "research", "granted" if n % 2 else "withdrawn")
        OutboundEmail.objects.create(
            template="t", language="en", subject=maria.subject, from_address="a@b.c", message_id=f"<m{n}@t>"
        )
        ProfileChange.objects.create(user=maria, fields=["city"], source="portal")

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(_story(maria))
    assert page.content.decode().count('class="timeline-event"') == 25
    older = client.get(_story(maria) + "?page=3").content.decode()
    assert older.count('class="timeline-event"') == 62 - 50


def test_a_representative_of_another_office_is_refused(client, rep, maria):
    def swedish_only(*, user, queryset):
        return queryset.filter(user__country="SE") if not user.is_superuser else queryset

    french = UserFactory(email="pierre@example.fr", country="FR")
    subject_scope_register(swedish_only)
    try:
        assert client.get(_story(french)).status_code == 404
        assert client.get(_story(maria)).status_code == 200
    finally:
        subject_scope_unregister(swedish_only)
    assert not DataAccess.objects.filter(subject=french.subject).exists()


@pytest.mark.parametrize("role", [MARKETING, None])
def test_marketing_and_staff_without_a_role_never_see_a_person(client, maria, role):
    staff = staff_in_role(role) if role else UserFactory(is_staff=True)
    staff_login(client, staff)

    assert client.get(_story(maria)).status_code == 403
    assert client.post(_story(maria), {"note": "x", "channel": ""}).status_code == 403
    assert not DataAccess.objects.exists()


def test_the_auditor_reads_but_cannot_take_anyone_off(client, maria):
    staff_login(client, staff_in_role(AUDITOR))
    page = client.get(_story(maria))
    assert page.status_code == 200 and 'id="take-off-marketing"' not in page.content.decode()
    assert client.post(_story(maria), {"note": "x", "channel": ""}).status_code == 403
    assert not SuppressionEntry.objects.filter(reason="representative").exists()


def test_take_off_marketing_from_the_page(client, rep, maria):
    page = client.get(_story(maria)).content.decode()
    assert 'id="take-off-marketing"' in page and "confirm(" in page

    assert client.post(_story(maria), {"channel": "", "note": ""}).status_code == 200  # the note is required
    response = client.post(_story(maria), {"channel": "", "note": "Asked by phone"})

    assert response.status_code == 302 and response.url == _story(maria)
    entry = SuppressionEntry.objects.get(reason="representative")
    assert (entry.purpose, entry.channel, entry.note, entry.created_by) == (
        None,
        None,
        "Asked by phone",
        f"staff:{rep.pk}",
    )
    withdrawals = ConsentEvent.objects.filter(subject=maria.subject, source="representative", actor_id=str(rep.pk))
    assert withdrawals.exists() and set(withdrawals.values_list("decision", flat=True)) == {"withdrawn"}
    timeline = client.get(_story(maria)).content.decode().split('id="section-timeline"')[1]
    assert "Customer representative" in timeline


def test_a_person_without_an_account_has_a_page_too(client, rep):
    imported = subject_for("imported@example.com")
    page = client.get(f"/admin/accounts/subject/{imported.pk}/story/")
    assert page.status_code == 200 and "No account" in page.content.decode()
    assert client.get("/admin/accounts/subject/not-a-uuid/story/").status_code == 404


def test_the_search_box_finds_a_person_by_request_reference(client, rep, maria):
    page = client.get("/admin/accounts/subject/", {"q": maria.request.reference.lower()})

    assert page.status_code == 200
    assert str(maria.subject.pk) in page.content.decode()

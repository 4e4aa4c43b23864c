"""Issue 12's last gap: a person who phones or writes without an email address. Their request
is recorded by staff, their person found by phone, and every message the email would have
carried becomes a letter to print and post, in their language, on the request's admin page."""

import pytest
from django.core.exceptions import ValidationError

from consent.accounts.identity import phone_digest
from consent.accounts.models import Subject
from consent.accounts.roles import AUDITOR, MARKETING, REPRESENTATIVE
from consent.notifications.models import OutboundEmail
from requests_app.common import RequestActor, TransitionRefused
from requests_app.delivery import access_export_create
from requests_app.housekeeping import requests_expire_unverified
from requests_app.models import ErasureRecord, SubjectRequest
from requests_app.selectors import letters_to_post
from requests_app.services import request_letter_mark_posted, request_submit, request_transition
from tests.factories import UserFactory, staff_in_role, staff_login
from tests.requests.test_erasure import scan

pytestmark = pytest.mark.django_db

NAME = "Gunnel Åkesson"
PHONE = "+46701112233"
ADDRESS = "Sjövägen 4\n123 45 Ösby"
NEEDLES = [NAME, "Åkesson", PHONE, "701112233", "Sjövägen 4", "123 45 Ösby"]


@pytest.fixture
def rep(offices):
    user = staff_in_role(REPRESENTATIVE, email="rep@example.com")
    offices["nordic"].staff.add(user)
    return user


def by_post(rep, type="question", **fields) -> SubjectRequest:
    """A letter to the Stockholm office, with no email address, identity matched by the rep."""
    fields.setdefault("details", "Skriftlig fråga.")
    fields.setdefault("verification_method", "matched_data")
    defaults = {"name": NAME, "address": ADDRESS, "country": "SE", "language": "sv", "channel": "mail"}
    return request_submit(type=type, staff=rep, **{**defaults, **fields})


# --------------------------------------------------------------------------- intake
def test_a_phone_only_requester_is_found_by_their_phone_digest_not_duplicated(rep):
    first = by_post(rep, channel="phone", address="", phone=PHONE)
    assert bytes(first.subject.email_digest) == phone_digest(PHONE)
    assert first.requester_phone == PHONE

    # The same person calls again and gives the number as Swedes write it.
    again = by_post(rep, channel="phone", address="", phone="070-111 22 33")
    assert again.subject == first.subject and again.requester_phone == PHONE

    # A registered person with that phone on their account is that person.
    registered = UserFactory(email="lena@example.se", phone="+46709998877")
    assert by_post(rep, channel="phone", address="", phone="+46709998877").subject == registered.subject
    assert Subject.objects.filter(user__isnull=True).count() == 1  # the caller without an account


def test_staff_must_give_some_way_to_reach_the_requester(rep):
    with pytest.raises(ValidationError) as refused:
        by_post(rep, address="", phone="")
    assert "at least one way to reach the requester" in refused.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as bad_phone:
        by_post(rep, address="", phone="12")
    assert "phone" in bad_phone.value.message_dict
    # An emailed request, the public form and the API still need the address they are answered at.
    with pytest.raises(ValidationError) as email_channel:
        by_post(rep, channel="email")
    assert "email" in email_channel.value.message_dict
    with pytest.raises(ValidationError):
        request_submit(type="question", channel="web_form", details="?", name=NAME, address=ADDRESS)
    assert not SubjectRequest.objects.exists()


# --------------------------------------------------------------------------- letters
def test_each_message_becomes_a_letter_in_the_requesters_language_and_no_email(rep):
    made = by_post(rep)  # verified by the rep on recording
    request_transition(
        request=made, to="awaiting_requester", actor=RequestActor.staff(rep), comment="Vilket kundnummer?"
    )
    request_transition(request=made, to="completed", actor=RequestActor.staff(rep), resolution="Vi har svarat.")

    letters = list(made.letters.all())
    assert [letter.title for letter in letters] == [f"Din begäran {made.reference}"] * 3
    acknowledgement, question, answer = (letter.body for letter in letters)
    assert acknowledgement.startswith(f"Hej {NAME}!")
    assert f"Vi tog emot din begäran {made.reference}" in acknowledgement
    assert "länk" not in acknowledgement.lower()  # a letter carries no link
    assert "Vilket kundnummer?" in question and "Vi har svarat." in answer
    assert all(f"Referens: {made.reference}" in letter.body for letter in letters)
    assert {(letter.recipient_name, letter.recipient_address, letter.language) for letter in letters} == {
        (NAME, ADDRESS, "sv")
    }
    assert not OutboundEmail.objects.exists()
    assert list(letters_to_post()) == letters


def test_an_unverified_letter_request_is_told_it_will_be_contacted_and_expires_with_its_letters(rep, settings):
    made = by_post(rep, verification_method="", language="en")
    [letter] = made.letters.all()
    assert "we will contact you to confirm that you made this request" in letter.body

    settings.REQUEST_VERIFICATION_DAYS = -1  # its time to be verified is up
    assert requests_expire_unverified() == 1
    letter.refresh_from_db()
    assert (letter.recipient_name, letter.recipient_address, letter.body) == ("", "", "")
    assert not letters_to_post().exists()


def test_marking_a_letter_posted_is_recorded_once_with_the_staff_member(rep):
    made = by_post(rep)
    letter = made.letters.get()
    request_letter_mark_posted(letter=letter, actor=RequestActor.staff(rep))

    letter.refresh_from_db()
    assert letter.posted_by == "staff:rep@example.com" and letter.posted_at is not None
    assert list(made.events.filter(kind="letter_posted").values_list("actor", "comment")) == [
        ("staff:rep@example.com", letter.title)
    ]
    with pytest.raises(TransitionRefused):
        request_letter_mark_posted(letter=letter, actor=RequestActor.staff(rep))
    assert made.events.filter(kind="letter_posted").count() == 1


def test_an_access_copy_goes_by_post_with_a_letter_saying_it_is_enclosed(rep, django_capture_on_commit_callbacks):
    made = by_post(rep, type="access", language="en", details="")
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=made, to="completed", actor=RequestActor.staff(rep))

    letter = made.letters.get(key=f"request-export:{made.pk}")
    assert "enclosed with this letter" in letter.body and "/download/" not in letter.body
    assert access_export_create(request_id=made.pk) is not None  # a retry writes no second letter
    assert made.letters.filter(key=f"request-export:{made.pk}").count() == 1
    assert not OutboundEmail.objects.exists()


def test_a_deletion_by_post_erases_only_once_its_letter_is_posted_then_leaves_no_trace(
    rep, django_capture_on_commit_callbacks
):
    made = by_post(rep, type="deletion", channel="phone", phone=PHONE, details="")
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=made, to="completed", actor=RequestActor.staff(rep), resolution="Raderat.")
    # The erasure waits: the letter saying so must reach the address it would blank.
    assert not ErasureRecord.objects.exists()
    for letter in letters_to_post(request=made):
        with django_capture_on_commit_callbacks(execute=True):
            request_letter_mark_posted(letter=letter, actor=RequestActor.staff(rep))

    erasure = ErasureRecord.objects.get(subject=made.subject)
    assert erasure.notice == ErasureRecord.Notice.NO_ADDRESS
    assert scan(NEEDLES) == []
    assert made.letters.filter(posted_at__isnull=False).count() == made.letters.count() == 2


# --------------------------------------------------------------------------- the back office
def test_a_representative_records_a_letter_with_a_name_and_address_prints_and_posts_the_reply(client, rep):
    staff_login(client, rep)
    response = client.post(
        "/admin/requests_app/subjectrequest/add/",
        {
            "type": "objection_marketing", "channel": "mail", "requester_name": NAME, "language": "sv",
            "requester_email": "", "requester_phone": "", "requester_address": ADDRESS, "country": "SE",
            "details": "Brev: ingen reklam.", "verification_method": "matched_data",
        },
    )  # fmt: skip
    assert response.status_code == 302
    made = SubjectRequest.objects.get()
    assert (made.channel, made.verification_method, made.status) == ("mail", "matched_data", "completed")
    assert made.letters.count() == 2  # the acknowledgement and the objection's answer

    queue = client.get("/admin/requests_app/subjectrequest/?letters=to_post").content.decode()
    assert made.reference in queue and "To post (1)" in queue
    page = client.get(f"/admin/requests_app/subjectrequest/{made.pk}/change/").content.decode()
    first = made.letters.first()
    print_url = f"/admin/requests_app/subjectrequest/{made.pk}/letters/{first.pk}/"
    assert print_url in page and f"{print_url}posted/" in page

    printed = client.get(print_url).content.decode()
    assert "Sjövägen 4" in printed and made.reference in printed and "@media print" in printed
    assert "Stockholm" in printed  # the office's sender block
    assert "Referens" in printed and "Datum" in printed  # in the requester's language

    assert client.post(f"{print_url}posted/").status_code == 302
    first.refresh_from_db()
    assert first.posted_by == "staff:rep@example.com"
    assert made.events.filter(kind="letter_posted", actor="staff:rep@example.com").count() == 1
    assert client.get(f"{print_url}posted/").status_code == 405


def test_a_requester_with_no_email_cannot_be_recorded_without_phone_or_address(client, rep):
    staff_login(client, rep)
    response = client.post(
        "/admin/requests_app/subjectrequest/add/",
        {
            "type": "question", "channel": "phone", "requester_name": NAME, "language": "sv", "requester_email": "",
            "requester_phone": "", "requester_address": "", "country": "SE", "details": "?",
            "verification_method": "",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "at least one way to reach the requester" in response.content.decode()
    assert not SubjectRequest.objects.exists()


def test_the_access_copy_for_post_is_downloaded_by_the_office_not_by_the_auditor(
    client, rep, django_capture_on_commit_callbacks
):
    made = by_post(rep, type="access", details="")
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=made, to="completed", actor=RequestActor.staff(rep))
    url = f"/admin/requests_app/subjectrequest/{made.pk}/export/"

    staff_login(client, rep)
    assert url in client.get(f"/admin/requests_app/subjectrequest/{made.pk}/change/").content.decode()
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert made.events.filter(kind="downloaded", actor="staff:rep@example.com").exists()

    staff_login(client, staff_in_role(AUDITOR))
    assert url not in client.get(f"/admin/requests_app/subjectrequest/{made.pk}/change/").content.decode()
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("role", "office", "may_print", "may_post"),
    [
        (REPRESENTATIVE, "nordic", True, True),
        (REPRESENTATIVE, "france", False, False),  # another office's request is not found
        (AUDITOR, None, True, False),
        (MARKETING, None, False, False),
    ],
)
def test_who_may_print_and_post_a_letter(client, rep, offices, role, office, may_print, may_post):
    made = by_post(rep)
    letter = made.letters.get()
    staff = staff_in_role(role)
    if office:
        offices[office].staff.add(staff)
    staff_login(client, staff)
    url = f"/admin/requests_app/subjectrequest/{made.pk}/letters/{letter.pk}/"

    printed = client.get(url)
    assert (printed.status_code == 200) == may_print, printed.status_code
    posted = client.post(f"{url}posted/")
    assert posted.status_code in ((302,) if may_post else (403, 404)), posted.status_code
    letter.refresh_from_db()
    assert (letter.posted_at is not None) == may_post
    if role == AUDITOR:
        page = client.get(f"/admin/requests_app/subjectrequest/{made.pk}/change/").content.decode()
        assert url in page and f"{url}posted/" not in page

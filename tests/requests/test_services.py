"""Each request type end to end through the one service that moves requests (the 1798.83
answer's register is mocked here; tests/requests/test_disclosures.py covers it)."""

import datetime
import io
import json
import zipfile

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from consent.accounts.models import ProfileChange, User
from consent.accounts.roles import PRIVACY_OFFICER
from consent.decisions.rules import consent_decisions, consent_state
from consent.ledger.models import ConsentEvent
from consent.suppression.models import SuppressionEntry
from requests_app.common import RequestActor, TransitionRefused
from requests_app.delivery import access_export_create, access_export_download
from requests_app.housekeeping import request_deadlines_remind, requests_expire_unverified
from requests_app.models import AccessExport, ErasureRecord, RequestEvent, SubjectRequest
from requests_app.services import (
    request_assign,
    request_comment,
    request_contact_data_purge,
    request_correction_apply,
    request_submit,
    request_transition,
    request_verify,
)
from tests.factories import UserFactory, record, staff_in_role
from tests.requests.conftest import emails_to

pytestmark = pytest.mark.django_db

Status = SubjectRequest.Status
REQUESTER = RequestActor.requester()
SYSTEM = RequestActor.system()


def submitted(type="access", email="ann@example.com", **fields) -> SubjectRequest:
    fields.setdefault("country", "SE")
    fields.setdefault("channel", "web_form")
    if type in ("complaint", "question", "correction"):
        fields.setdefault("details", "Please look into this.")
    return request_submit(type=type, email=email, name="Ann Berg", **fields)


def verified(type="access", **fields) -> SubjectRequest:
    return request_verify(request=submitted(type, **fields), method="email_link", actor=REQUESTER)


def timeline(made: SubjectRequest) -> list[tuple[str, str, str]]:
    return [(e.kind, e.from_status, e.to_status) for e in made.events.order_by("occurred_at", "id")]


# --------------------------------------------------------------------------- intake
def test_a_request_gets_a_reference_an_office_a_due_date_and_an_acknowledgement(offices):
    made = submitted("access", country="FR", language="fr")

    assert made.reference.startswith(f"SR-{made.received_at.year}-") and len(made.reference) == 14
    assert made.office == offices["france"]
    assert made.status == Status.AWAITING_VERIFICATION and made.verified_at is None
    (ack,) = emails_to("ann@example.com")
    assert ack.language == "fr" and made.reference in ack.subject_line
    assert "/requests/verify/" in ack.body_text
    assert timeline(made) == [("received", "", "awaiting_verification")]


def test_a_country_no_office_serves_goes_to_the_default_office(offices):
    assert submitted(country="JP").office == offices["default"]
    assert submitted(country="").office == offices["default"]


def test_references_are_unique_and_sequential():
    first, second = submitted(), submitted(email="bo@example.com")
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


# --------------------------------------------------------------------------- the workflow
def test_invalid_transitions_are_refused_with_a_clear_error():
    made = submitted()
    for to in ("open", "in_progress", "completed", "awaiting_requester"):
        with pytest.raises(TransitionRefused, match="cannot become"):
            request_transition(request=made, to=to, actor=SYSTEM)
    made = request_transition(request=made, to="withdrawn", actor=REQUESTER)
    with pytest.raises(TransitionRefused, match="withdrawn cannot become"):
        request_transition(request=made, to="in_progress", actor=SYSTEM)
    with pytest.raises(TransitionRefused):
        request_verify(request=made, method="email_link", actor=REQUESTER)


def test_a_rejection_needs_a_reason_and_the_requester_gets_it():
    made = verified("question")
    with pytest.raises(TransitionRefused, match="Say why"):
        request_transition(request=made, to="rejected", actor=SYSTEM, reason=" ")
    made = request_transition(request=made, to="rejected", actor=SYSTEM, reason="We hold no data about you.")
    assert made.rejection_reason == "We hold no data about you." and made.closed_at is not None
    assert "We hold no data about you." in emails_to("ann@example.com")[-1].body_text


def test_every_transition_and_comment_is_on_the_timeline_with_its_actor():
    made = verified("question")
    request_comment(request=made, actor=RequestActor("staff:rep@example.com"), comment="Called back.")
    request_transition(request=made, to="in_progress", actor=RequestActor("staff:rep@example.com"))
    request_transition(request=made, to="completed", actor=SYSTEM, resolution="Here is the answer.")
    assert timeline(made) == [
        ("received", "", "awaiting_verification"),
        ("verified", "awaiting_verification", "open"),
        ("comment", "", ""),
        ("status", "open", "in_progress"),
        ("status", "in_progress", "completed"),
    ]
    assert list(made.events.values_list("actor", flat=True)) == [
        "requester", "requester", "staff:rep@example.com", "staff:rep@example.com", "system",
    ]  # fmt: skip


def test_request_events_cannot_be_changed_or_deleted():
    made = verified("question")
    event = made.events.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        RequestEvent.objects.filter(pk=event.pk).update(kind="comment")
    with pytest.raises(DatabaseError), transaction.atomic():
        RequestEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        RequestEvent.objects.filter(pk=event.pk).delete()
    # The one change allowed: blanking a text (the purge of contact data).
    RequestEvent.objects.filter(pk=event.pk).update(comment="")


# --------------------------------------------------------------------------- verification
def test_nothing_is_released_or_changed_before_verification():
    made = submitted("access")
    with pytest.raises(TransitionRefused):
        request_transition(request=made, to="completed", actor=SYSTEM)
    assert access_export_create(request_id=made.pk) is None
    assert not AccessExport.objects.exists()

    user = UserFactory(email="cid@example.com", city="Lund")
    correction = submitted("correction", email="cid@example.com")
    with pytest.raises(TransitionRefused, match="not been verified"):
        request_correction_apply(request=correction, changes={"city": "Malmö"}, actor=SYSTEM)
    user.refresh_from_db()
    assert user.city == "Lund"


def test_a_request_made_while_another_is_open_is_verified_on_its_own():
    first = verified("correction", details="My city is wrong.")
    assert first.status == Status.OPEN
    second = submitted("access")
    assert second.subject_id == first.subject_id and second.verified_at is None
    for to in ("in_progress", "completed"):
        with pytest.raises(TransitionRefused):
            request_transition(request=second, to=to, actor=SYSTEM)
    second.refresh_from_db()
    assert second.status == Status.AWAITING_VERIFICATION


def test_a_second_request_of_the_same_person_is_verified_on_its_own(django_capture_on_commit_callbacks):
    first = verified("access")
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=first, to="completed", actor=SYSTEM)
    assert AccessExport.objects.filter(request=first).exists()

    # The same person asks again while the first is verified and answered.
    second = submitted("access")
    assert second.subject_id == first.subject_id
    assert second.status == Status.AWAITING_VERIFICATION and second.verified_at is None
    with pytest.raises(TransitionRefused):
        request_transition(request=second, to="completed", actor=SYSTEM)
    assert access_export_create(request_id=second.pk) is None
    assert list(AccessExport.objects.values_list("request", flat=True)) == [first.pk]
    # Its own acknowledgement carries its own verification link.
    assert second.reference in emails_to("ann@example.com")[-1].body_text
    assert "/requests/verify/" in emails_to("ann@example.com")[-1].body_text


def test_a_portal_request_is_verified_by_the_login_with_its_level():
    user = UserFactory(email="dan@example.com", country="FR", language="fr")
    made = request_submit(type="question", channel="portal", user=user, details="Where is my data kept?")
    assert made.status == Status.OPEN
    assert (made.verification_method, made.verification_level) == ("account_login", "substantial")
    assert made.requester_email == "dan@example.com" and made.language == "fr"


def test_a_representative_records_a_phone_request_with_the_method_they_used():
    rep = staff_in_role("Customer representative", email="rep@example.com")
    made = request_submit(
        type="question", channel="phone", email="eve@example.com", details="Asked by phone.", staff=rep,
        verification_method="id_document_seen",
    )  # fmt: skip
    assert (made.verification_method, made.verification_level, made.verified_by) == ("id_document_seen", "high", rep)
    assert made.events.filter(kind="verified", actor="staff:rep@example.com").exists()


# --------------------------------------------------------------------------- each type
def test_access_builds_the_export_after_completion_and_only_its_requester_downloads_it(
    django_capture_on_commit_callbacks,
):
    person = UserFactory(email="ann@example.com")
    record(person.subject, "research", "granted")
    made = verified("access")
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=made, to="completed", actor=RequestActor("staff:rep@example.com"))

    export = AccessExport.objects.get(request=made)
    assert export.expires_at - export.created_at == datetime.timedelta(days=7)
    data = json.loads(zipfile.ZipFile(io.BytesIO(bytes(export.content))).read("data.json"))
    assert [e["purpose"] for e in data["consent_events"]] == ["research"]
    assert [r["reference"] for r in data["requests"]] == [made.reference]
    assert "/download/" in emails_to("ann@example.com")[-1].body_text
    assert access_export_download(request=made, actor=REQUESTER) == bytes(export.content)
    assert made.events.filter(kind="downloaded").count() == 1
    # The task runs twice (a retry): one export, one email.
    assert access_export_create(request_id=made.pk) == export
    assert len([e for e in emails_to("ann@example.com") if "/download/" in e.body_text]) == 1


def test_an_expired_export_is_not_released():
    made = verified("access")
    request_transition(request=made, to="completed", actor=SYSTEM)
    access_export_create(request_id=made.pk)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=8)):
        assert access_export_download(request=made, actor=REQUESTER) is None


def test_correction_is_applied_through_the_profile_service_and_the_requester_told():
    user = UserFactory(email="ann@example.com", city="Lund")
    made = verified("correction")
    changed = request_correction_apply(request=made, changes={"city": "Malmö"}, actor=RequestActor("staff:rep@x.se"))
    assert changed == ["city"]
    user.refresh_from_db()
    assert user.city == "Malmö"
    assert ProfileChange.objects.filter(user=user, fields=["city"], source="representative").exists()
    assert "city" in emails_to("ann@example.com")[-1].body_text
    made = request_transition(request=made, to="completed", actor=SYSTEM)
    assert made.status == Status.COMPLETED


def test_deletion_erases_the_person_only_after_verification_and_tells_them_first(
    django_capture_on_commit_callbacks, mailoutbox
):
    UserFactory(email="ann@example.com", first_name="Ann")
    made = submitted("deletion")
    with pytest.raises(TransitionRefused):
        request_transition(request=made, to="completed", actor=SYSTEM)
    assert not ErasureRecord.objects.exists()

    made = request_verify(request=made, method="email_link", actor=REQUESTER)
    with django_capture_on_commit_callbacks(execute=True):
        request_transition(request=made, to="completed", actor=RequestActor("staff:po@example.com"))

    record = ErasureRecord.objects.get(subject=made.subject)
    assert record.actor == "staff:po@example.com" and record.reason == f"Subject request {made.reference}"
    assert record.notice == ErasureRecord.Notice.SENT
    assert [m.to for m in mailoutbox][-1] == ["ann@example.com"]  # told, before the address went
    assert not User.objects.filter(email="ann@example.com").exists()
    made.refresh_from_db()
    assert made.requester_email == "" and made.requester_name == "" and made.contact_purged_at is not None
    assert (
        consent_decisions(purpose="marketing_own", channel="email", identifiers=["ann@example.com"])[0].reason
        == "suppressed"
    )


@pytest.mark.parametrize(
    ("type", "withdrawn", "suppressed_purpose"),
    [
        ("objection_marketing", {"marketing_own", "marketing_third_party", "research"}, None),
        ("objection_third_party", {"marketing_third_party"}, "marketing_third_party"),
        ("objection_sale", {"transfer_in_sale"}, "-"),
    ],
)
def test_objections_withdraw_and_suppress_on_verification_without_staff(type, withdrawn, suppressed_purpose):
    person = UserFactory(email="ann@example.com")
    made = submitted(type)
    assert not ConsentEvent.objects.filter(subject=person.subject, decision="withdrawn").exists()

    made = request_verify(request=made, method="email_link", actor=REQUESTER)

    made.refresh_from_db()
    assert made.status == Status.COMPLETED and made.resolution
    events = ConsentEvent.objects.filter(subject=person.subject, decision="withdrawn")
    assert {e.purpose_id for e in events} >= withdrawn
    assert {e.source for e in events} == {"portal"}
    entries = SuppressionEntry.objects.filter(identifier_digest=person.subject.email_digest)
    if suppressed_purpose == "-":
        assert not entries.exists()
    else:
        assert list(entries.values_list("purpose", "reason")) == [(suppressed_purpose, "legal")]
    allowed = {s.purpose.code: s.overall.allowed for s in consent_state(subject=person.subject)}
    assert not any(allowed.get(code) for code in withdrawn)


def test_an_objection_recorded_by_a_representative_is_sourced_to_them():
    person = UserFactory(email="ann@example.com")
    rep = staff_in_role("Customer representative", email="rep@example.com")
    request_submit(
        type="objection_sale", channel="phone", email="ann@example.com", staff=rep, verification_method="matched_data"
    )
    event = ConsentEvent.objects.get(subject=person.subject, purpose_id="transfer_in_sale")
    assert (event.source, event.actor_type, event.actor_id) == ("representative", "staff", str(rep.pk))


def test_1798_83_is_answered_from_the_register_once_per_calendar_year(answer_1798_83):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        first = verified("ca_1798_83", country="US")
    first.refresh_from_db()
    assert first.status == Status.COMPLETED
    answer_1798_83.assert_called_once_with(subject=first.subject, year=2025)
    assert "Acme Mailers" in first.resolution
    assert "Acme Mailers" in emails_to("ann@example.com")[-1].body_text

    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC), tick=False):
        second = verified("ca_1798_83", country="US")
    second.refresh_from_db()
    assert second.status == Status.REJECTED
    assert "once per calendar year" in second.rejection_reason and first.reference in second.rejection_reason
    assert "1 January 2027" in emails_to("ann@example.com")[-1].body_text
    assert answer_1798_83.call_count == 1

    with time_machine.travel(datetime.datetime(2027, 1, 2, 12, tzinfo=datetime.UTC), tick=False):
        third = verified("ca_1798_83", country="US")
    third.refresh_from_db()
    assert third.status == Status.COMPLETED


@pytest.mark.parametrize("type", ["complaint", "question"])
def test_complaints_and_questions_are_answered_in_free_text(type):
    made = verified(type, language="sv")
    with pytest.raises(TransitionRefused, match="Write the answer"):
        request_transition(request=made, to="completed", actor=SYSTEM)
    request_transition(request=made, to="completed", actor=SYSTEM, resolution="We have fixed it.")
    answer = emails_to("ann@example.com")[-1]
    assert answer.language == "sv" and "We have fixed it." in answer.body_text


# --------------------------------------------------------------------------- housekeeping
def test_unverified_requests_expire_after_14_days_and_lose_their_contact_data():
    with time_machine.travel(datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC), tick=False):
        old = submitted("question", details="My phone is +46701234567")
        kept = verified("question", email="bo@example.com")
    with time_machine.travel(datetime.datetime(2026, 1, 14, 12, tzinfo=datetime.UTC), tick=False):
        assert requests_expire_unverified() == 0
    with time_machine.travel(datetime.datetime(2026, 1, 15, 13, tzinfo=datetime.UTC), tick=False):
        assert requests_expire_unverified() == 1
        assert requests_expire_unverified() == 0
    old.refresh_from_db()
    assert old.status == Status.EXPIRED
    assert (old.requester_name, old.requester_email, old.details) == ("", "", "")
    assert not old.events.exclude(comment="").exists()
    kept.refresh_from_db()
    assert kept.requester_email == "bo@example.com"


def test_contact_data_purge_keeps_reference_type_dates_and_statuses():
    made = verified("question", phone="+46701234567", address="Storgatan 1")
    request_transition(request=made, to="completed", actor=SYSTEM, resolution="Answer for Ann Berg.")
    assert request_contact_data_purge(subject=made.subject) == 1
    made.refresh_from_db()
    assert (made.requester_name, made.requester_email, made.requester_phone, made.requester_address) == ("",) * 4
    assert (made.details, made.resolution) == ("", "")
    assert made.reference and made.type == "question" and made.status == Status.COMPLETED and made.received_at
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM requests_app_requestevent WHERE comment <> ''")
        assert cursor.fetchone()[0] == 0


def test_deadline_reminders_at_7_and_2_days_and_escalation_once_each():
    rep = staff_in_role("Customer representative", email="rep@example.com")
    officer = staff_in_role(PRIVACY_OFFICER, email="po@example.com")
    start = datetime.datetime(2026, 1, 10, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        made = verified("question")  # due 10 Feb
        request_assign(request=made, assignee=rep, actor=SYSTEM)
    for day, expected in [(1, 0), (4, 1), (4, 0), (8, 1), (9, 0), (11, 1), (12, 0)]:
        with time_machine.travel(datetime.datetime(2026, 2, day, 10, tzinfo=datetime.UTC), tick=False):
            assert request_deadlines_remind() == expected, day
    assert len(emails_to("rep@example.com")) == 2
    (overdue,) = emails_to(officer.email)
    assert "Overdue" in overdue.subject_line and made.reference in overdue.subject_line

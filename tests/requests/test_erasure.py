"""Issue 12: deletion removes the person's data from every table, keeps the pseudonymous
subject, its ledger and the hashed suppression, and tells them first."""

import io
import json
import os
import smtplib
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from consent.accounts.models import PasswordCompromiseReport, ProfileChange, Subject, User, UserSession
from consent.accounts.services import (
    data_access_record,
    password_compromise_reports_close,
    user_password_compromised,
    user_profile_update,
)
from consent.decisions.rules import Reason, consent_decisions
from consent.ledger.chain import Evidence
from consent.ledger.models import ConsentEvent, ConsentEvidence
from consent.notifications.models import OutboundEmail
from consent.notifications.services import email_queue
from consent.suppression.models import SuppressionEntry
from consent.suppression.services import subject_take_off_marketing
from requests_app.disclosures import disclosure_save
from requests_app.erasure import (
    ErasureNoticePending,
    erasure_cleaner_register,
    erasure_cleaner_unregister,
    subject_erase,
)
from requests_app.models import Disclosure, ErasureRecord, ThirdParty
from requests_app.services import request_submit
from tests.factories import UserFactory, ledger_verified, record, staff_in_role, subject_for

EMAIL = "Maja.Lindqvist@Example.se"
PHONE = "+46701234567"
NAME = ("Maja", "Lindqvist")
STREET = "Storgatan 12"
NEEDLES = [EMAIL, EMAIL.lower(), "Lindqvist", PHONE, "701234567", STREET, "Maja Lindqvist"]


@pytest.fixture
def maja(client):
    """A registered person whose data is spread over every table that can hold it."""
    user = UserFactory(
        email=EMAIL, first_name=NAME[0], last_name=NAME[1], phone=PHONE, street_address=STREET,
        postal_code="11122", city="Stockholm", occupation="Nurse", language="sv",
    )  # fmt: skip
    subject = user.subject
    record(subject, "primary_use", source="registration",
           evidence=Evidence(ip_address="192.0.2.44", user_agent="Firefox of Maja Lindqvist", language="sv"))  # fmt: skip
    record(subject, "marketing_third_party", channel="email")
    record(subject, "marketing_own", channel="postal")
    user_profile_update(user=user, changes={"city": "Uppsala"}, source=ProfileChange.Source.PORTAL)
    user_password_compromised(user=user, note=f"I am Maja Lindqvist, call me on {PHONE}", user_agent="Firefox")
    email_queue(to=user.email, template="email_changed", context={"user": user, "changed_at": timezone.now()},
                language="sv", subject=subject)  # fmt: skip
    # An email to her address that is not linked to her subject (sent before she registered).
    email_queue(to=EMAIL.lower(), template="email_changed", context={"user": user, "changed_at": timezone.now()},
                language="sv")  # fmt: skip
    staff = staff_in_role("Customer representative")
    subject_take_off_marketing(
        subject=subject, channel="phone", note="Maja Lindqvist called, no calls please", user=staff
    )
    # She also wrote to the office without giving her email address: answered by letter.
    request_submit(
        type="question", channel="mail", staff=staff, name="Maja Lindqvist", phone=PHONE, country="SE",
        address=f"{STREET}\n111 22 Stockholm", details="What do you hold about me?", verification_method="matched_data",
    )  # fmt: skip
    partner = ThirdParty.objects.create(name="Partner AB", kind="partner", country="SE", address="Box 1, Malmö")
    disclosure_save(
        third_party=partner, basis="partner_marketing", data_categories=["name", "email"], subjects=[subject],
        disclosed_at=timezone.now(), reference="LIST-7", note=f"List of 2 incl. Maja Lindqvist <{EMAIL}>",
    )  # fmt: skip
    AccessAttempt.objects.create(username=EMAIL.lower(), ip_address="192.0.2.9", failures_since_start=2,
                                 post_data=f"username={EMAIL.lower()}")  # fmt: skip
    LogEntry.objects.create(user=staff, content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk),
                            object_repr=user.email, action_flag=CHANGE, change_message="[]")  # fmt: skip
    request = RequestFactory().get("/admin/", HTTP_USER_AGENT="Staff browser")
    request.user = staff
    data_access_record(request=request, kind="profile", object_id=user.pk, subject_id=subject.pk)
    client.force_login(user)
    return user


@pytest.fixture
def bystander():
    user = UserFactory(email="olle.berg@example.se", first_name="Olle", last_name="Berg", phone="+46709876543")
    record(user.subject, "primary_use", source="registration", evidence=Evidence(ip_address="192.0.2.45"))
    return user


def _text_columns() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
                 JOIN information_schema.tables t USING (table_schema, table_name)
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY', 'inet')"""
        )
        return cursor.fetchall()


def scan(needles: list[str]) -> list[str]:
    """Every table and column where any needle occurs, as written or lower-cased."""
    patterns = sorted({f"%{needle.lower()}%" for needle in needles})
    found = []
    with connection.cursor() as cursor:
        for table, column, data_type in _text_columns():
            value = f"encode(\"{column}\", 'escape')" if data_type == "bytea" else f'"{column}"::text'
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE lower({value}) LIKE ANY(%s)', [patterns])  # noqa: S608
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


@pytest.mark.django_db
def test_after_erasure_no_table_holds_the_person_but_suppression_and_the_ledger_stand(maja, bystander, settings):
    settings.EMAIL_BACKEND = "tests.requests.test_erasure.WitnessBackend"
    witnessed.clear()
    subject = maja.subject
    events_before = ConsentEvent.objects.filter(subject=subject).count()
    found = scan(NEEDLES)
    assert len(found) >= 8  # the fixture really spread her data around
    assert {
        "requests_app_subjectrequest.requester_phone",
        "requests_app_requestletter.recipient_name",
        "requests_app_requestletter.recipient_address",
        "requests_app_requestletter.body",
    } <= set(found)
    mail.outbox.clear()

    erasure = subject_erase(subject=subject, actor="privacy officer", reason="SR-2026-000123")

    assert scan(NEEDLES) == []
    # She was told first, in her language, at her address, while her account still existed;
    # that email is now blank too.
    assert [(m.to, m.subject) for m in mail.outbox] == [([EMAIL.lower()], "Vi raderar dina personuppgifter")]
    assert witnessed == [(EMAIL.lower(), True)]
    notice = OutboundEmail.objects.get(pk=erasure.notice_email_id)
    assert (notice.status, notice.to_address, notice.body_text) == ("sent", "", "")
    assert erasure.notice == ErasureRecord.Notice.SENT
    # The address stays blocked for every marketing purpose and channel.
    for purpose, channel in [("marketing_own", "email"), ("marketing_third_party", "email"), ("research", "email")]:
        [decision] = consent_decisions(purpose=purpose, channel=channel, identifiers=[EMAIL])
        assert (decision.allowed, decision.reason) == (False, Reason.SUPPRESSED), purpose
    assert SuppressionEntry.objects.filter(reason="erasure", purpose=None, channel=None).count() == 2  # email, phone
    # The pseudonymous subject and its ledger stay, and the ledger still proves itself.
    subject.refresh_from_db()
    assert subject.erased_at is not None and subject.user_id is None and subject.email_digest is None
    events = ConsentEvent.objects.filter(subject=subject)
    assert events.count() > events_before
    assert set(events.filter(source="erasure").values_list("decision", flat=True)) == {"withdrawn"}
    assert not ConsentEvidence.objects.filter(event__subject=subject).exists()
    assert ledger_verified().intact
    # The bystander is untouched.
    assert scan(["olle.berg@example.se", "Berg", "+46709876543"]) != []
    assert User.objects.filter(email="olle.berg@example.se").exists()
    # The register keeps the disclosure (ids only), with her name cut out of its text.
    disclosure = Disclosure.objects.get()
    assert list(disclosure.subjects.all()) == [subject]
    assert disclosure.note == "List of 2 incl. [erased] <[erased]>"


@pytest.mark.django_db
def test_the_record_says_what_went_and_what_stayed_without_personal_data(maja):
    erasure = subject_erase(subject=maja.subject, actor="privacy officer", reason="SR-2026-000123")

    assert erasure.removed["accounts.User"] == 1
    assert erasure.removed["accounts.ProfileChange"] == 2  # the city, the password
    assert erasure.removed["accounts.PasswordCompromiseReport"] == 1
    assert erasure.removed["ledger.ConsentEvidence"] >= 3
    assert erasure.removed["notifications.OutboundEmail (address and content)"] == 3
    assert erasure.removed["accounts.UserSession"] == 1
    assert erasure.removed["axes (failed and logged sign-ins)"] == 2  # her failed attempt, her sign-in
    kept = {row["what"]: row for row in erasure.kept}
    assert kept["ledger.ConsentEvent"]["count"] == ConsentEvent.objects.filter(subject=maja.subject).count()
    assert kept["suppression.SuppressionEntry"]["count"] == 3  # email and phone (erasure), phone (representative)
    assert kept["accounts.DataAccess"]["count"] == 1
    text = json.dumps([erasure.removed, erasure.kept, erasure.actor, erasure.reason]).lower()
    assert not any(needle.lower() in text for needle in NEEDLES)
    assert not UserSession.objects.exists() and not PasswordCompromiseReport.objects.exists()


@pytest.mark.django_db
def test_a_second_erasure_returns_the_first_record_and_sends_nothing(maja):
    first = subject_erase(subject=maja.subject, actor="privacy officer", reason="SR-1")
    mail.outbox.clear()
    assert subject_erase(subject=Subject.objects.get(pk=first.subject_id), actor="x", reason="again") == first
    assert mail.outbox == []


class WitnessBackend(BaseEmailBackend):
    """Delivers like locmem, noting whether the recipient's account still existed at that moment."""

    def send_messages(self, messages):
        for message in messages:
            mail.outbox.append(message)
            witnessed.append((message.to[0], User.objects.filter(email=message.to[0]).exists()))
        return len(messages)


witnessed: list[tuple[str, bool]] = []


class UnreachableBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"No such mailbox")})


@pytest.mark.django_db
def test_erasure_ends_the_persons_sessions_and_no_one_elses(maja, bystander, client):
    their_phone = Client()
    their_phone.force_login(maja)
    bystanders_laptop = Client()
    bystanders_laptop.force_login(bystander)
    assert sorted(UserSession.objects.values_list("user_id", flat=True)) == sorted([maja.pk, maja.pk, bystander.pk])

    erasure = subject_erase(subject=maja.subject, actor="privacy officer", reason="SR-2026-000201")

    assert erasure.removed["accounts.UserSession"] == 2
    assert list(UserSession.objects.values_list("user_id", flat=True)) == [bystander.pk]
    assert client.get("/portal/").status_code == 302 and their_phone.get("/portal/").status_code == 302
    assert bystanders_laptop.get("/portal/").status_code == 200


@pytest.mark.django_db
def test_a_staff_member_who_handled_reports_can_be_erased_and_the_reports_stay(maja, bystander):
    staff = staff_in_role("Customer representative")
    report = user_password_compromised(user=bystander, note="phished")
    assert password_compromise_reports_close(reports=[report.pk], staff=staff, note="called back") == 1

    subject_erase(subject=staff.subject, actor="privacy officer", reason="SR-2026-000200")

    assert not User.objects.filter(pk=staff.pk).exists()
    report.refresh_from_db()
    assert (report.user, report.handled_by, report.staff_note) == (bystander, None, "called back")
    assert report.handled_at is not None


@pytest.mark.django_db
def test_while_the_notice_cannot_be_sent_nothing_is_erased(maja, settings):
    settings.EMAIL_BACKEND = "tests.requests.test_erasure.UnreachableBackend"

    with pytest.raises(ErasureNoticePending) as pending:
        subject_erase(subject=maja.subject, actor="privacy officer", reason="SR-1")

    assert pending.value.retry_at > timezone.now()
    maja.refresh_from_db()
    assert maja.email == EMAIL.lower() and maja.subject.erased_at is None
    assert not ErasureRecord.objects.exists()
    # Once the server is back, a retry sends the one queued notice and erases.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    OutboundEmail.objects.filter(template="erasure_notice").update(next_attempt_at=timezone.now())
    erasure = subject_erase(subject=maja.subject, actor="privacy officer", reason="SR-1")
    assert erasure.notice == ErasureRecord.Notice.SENT and len(mail.outbox) == 1
    assert OutboundEmail.objects.filter(template="erasure_notice").count() == 1


@pytest.mark.django_db
def test_an_address_the_server_refuses_for_good_does_not_keep_the_data_alive(maja, settings):
    settings.EMAIL_BACKEND = "tests.requests.test_erasure.RefusingBackend"

    erasure = subject_erase(subject=maja.subject, actor="privacy officer", reason="SR-1")

    assert erasure.notice == ErasureRecord.Notice.FAILED
    assert scan(NEEDLES) == []


@pytest.mark.django_db
def test_a_person_without_an_account_is_told_at_the_address_given_and_suppressed():
    subject = subject_for("anna.nilsson@example.com")
    record(subject, "marketing_own", channel="email", evidence=Evidence(ip_address="198.51.100.3"))

    erasure = subject_erase(subject=subject, actor="privacy officer", reason="SR-2", address="anna.nilsson@example.com",
                            language="fr")  # fmt: skip

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["anna.nilsson@example.com"], "Nous supprimons vos données personnelles")
    ]
    assert erasure.notice == ErasureRecord.Notice.SENT
    assert scan(["anna.nilsson"]) == []
    [decision] = consent_decisions(purpose="marketing_own", channel="email", identifiers=["anna.nilsson@example.com"])
    assert decision.reason == Reason.SUPPRESSED


@pytest.mark.django_db
def test_apps_above_add_their_own_cleaners(maja):
    seen = []

    def requests_cleaner(*, subject):
        seen.append((subject.pk, subject.user_id is not None))  # runs while the account still exists
        return 4

    erasure_cleaner_register(requests_cleaner, name="requests_app.SubjectRequest")
    try:
        erasure = subject_erase(subject=maja.subject, actor="privacy officer", reason="SR-3")
    finally:
        erasure_cleaner_unregister(requests_cleaner, name="requests_app.SubjectRequest")

    assert seen == [(erasure.subject_id, True)]
    assert erasure.removed["requests_app.SubjectRequest"] == 4


@pytest.mark.django_db
def test_erase_subject_command_by_email(maja):
    out = io.StringIO()
    call_command("erase_subject", EMAIL, reason="SR-2026-000124", actor="ops", stdout=out)

    assert f"Erased subject {maja.subject.pk}" in out.getvalue()
    assert "Notice: Sent before the address was removed." in out.getvalue()
    assert ErasureRecord.objects.get().actor == "ops"
    assert not User.objects.filter(pk=maja.pk).exists()


@pytest.mark.django_db
def test_erase_subject_command_refuses_an_unknown_person():
    with pytest.raises(Exception, match="Nobody with this address"):
        call_command("erase_subject", "nobody@example.com", reason="SR-1")


@pytest.mark.django_db
def test_a_reason_is_required(maja):
    with pytest.raises(Exception, match="Say why"):
        subject_erase(subject=maja.subject, actor="privacy officer", reason="  ")
    assert maja.subject.erased_at is None and not ErasureRecord.objects.exists()


@pytest.mark.django_db
def test_erasure_refuses_to_run_inside_a_callers_transaction(maja):
    # Its notice is sent before it commits: a caller's rollback must not leave her told but not erased.
    with pytest.raises(RuntimeError), transaction.atomic():
        subject_erase(subject=maja.subject, actor="privacy officer", reason="SR-1")
    assert mail.outbox == []


# --- as the application's database role ---------------------------------------------------------

from tests.security.test_database_role import ROOT, _url, app_role  # noqa: E402, F401 - the role fixture


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_erasure_works_as_the_application_role(app_role):  # noqa: F811
    user = UserFactory(email="role.erase@example.com", first_name="Rolf", last_name="Eraseson", phone=PHONE)
    record(user.subject, "primary_use", source="registration", evidence=Evidence(ip_address="192.0.2.7"))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "PYTEST_"))}
    env.update({
        "DATABASE_URL": _url(app_role), "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "true",
        "EMAIL_URL": "consolemail://",
    })  # fmt: skip

    result = subprocess.run(
        [sys.executable, "manage.py", "erase_subject", "role.erase@example.com", "--reason", "SR-9"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Notice: Sent before the address was removed." in result.stdout
    assert scan(["role.erase@example.com", "Eraseson"]) == []
    assert ledger_verified().intact

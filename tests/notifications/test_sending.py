"""Sending from the outbox: claimed once, retried with backoff, failed after N attempts,
one SMTP connection for many messages, content forgotten after the retention period."""

import datetime
import threading
from email import message_from_bytes, policy

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from consent.notifications import sending
from consent.notifications.models import OutboundEmail
from consent.notifications.services import email_queue
from tests.factories import subject_for
from tests.notifications.smtp import SmtpSink

pytestmark = pytest.mark.django_db


def queue(to="anna@example.com", **kwargs) -> OutboundEmail:
    return email_queue(to=to, template="greeting", context={"name": "Anna"}, language="en", **kwargs)


@pytest.fixture
def sink(settings):
    with SmtpSink() as sink:
        for name, value in sink.settings().items():
            setattr(settings, name, value)
        yield sink


def test_a_queued_email_is_sent_once_with_its_message_id(sink):
    email = queue()

    assert sending.email_send(email_id=email.pk) == sending.SENT
    assert sending.email_send(email_id=email.pk) == sending.SKIPPED  # delivered twice, sent once

    [message] = sink.wait_for(1)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, "")
    assert email.sent_at is not None
    assert message["Message-ID"] == email.message_id
    assert message["To"] == "anna@example.com"
    assert message["Subject"] == email.subject_line
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == email.body_text.strip()
    assert "<p>Language: Anna</p>" in message.get_body(("html",)).get_content()


def test_one_connection_carries_many_messages(sink):
    emails = [queue(to=f"p{i}@example.com") for i in range(5)]
    for email in emails:
        sending.email_send(email_id=email.pk)
    assert len(sink.wait_for(5)) == 5
    assert sink.sessions == 1


def test_a_dropped_connection_is_reopened_once(sink):
    first, second = queue(), queue(to="bo@example.com")
    sending.email_send(email_id=first.pk)
    sink.restart()  # the server hangs up on the kept connection, and is back for a new one
    assert sending.email_send(email_id=second.pk) == sending.SENT
    assert len(sink.wait_for(2)) == 2


def test_temporary_refusals_are_retried_with_backoff_then_failed(sink, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_BACKOFF_SECONDS = 60
    sink.refuse = "451 4.3.0 Mailbox busy, try later"
    start = timezone.now()

    with time_machine.travel(start, tick=False) as clock:
        email = queue()
        first = sending.email_send(email_id=email.pk)
        assert first.outcome == "retry" and first.retry_at == start + datetime.timedelta(seconds=60)
        # Not due yet: a task arriving early does nothing.
        assert sending.email_send(email_id=email.pk) == sending.SKIPPED
        clock.shift(60)
        second = sending.email_send(email_id=email.pk)
        assert second.retry_at == start + datetime.timedelta(seconds=60 + 120)
        clock.shift(120)
        assert sending.email_send(email_id=email.pk) == sending.FAILED

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 3)
    assert email.failed_at is not None
    assert email.last_error.startswith("SMTPRecipientsRefused: 451")
    assert sink.messages == []


def test_a_permanent_refusal_fails_at_once(sink):
    sink.refuse = "550 5.1.1 No such user here"
    email = queue()
    assert sending.email_send(email_id=email.pk) == sending.FAILED
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 1)


def test_a_refusal_in_the_middle_of_a_batch_fails_that_email_alone(sink):
    """A batch goes out pipelined, each message's content with the next one's envelope:
    the server's refusal of one recipient must not cost the messages around it."""
    emails = [queue(to=f"{name}@example.com") for name in ("anna", "bo", "cilla", "dan")]
    sink.refuse_to["bo@example.com"] = "550 5.1.1 No such user here"
    sink.refuse_to["dan@example.com"] = "451 4.3.0 Mailbox busy, try later"

    assert sending.emails_send_due(grace_seconds=0) == {"sent": 2, "retry": 1, "failed": 1}

    assert sorted(message["To"] for message in sink.wait_for(2)) == ["anna@example.com", "cilla@example.com"]
    statuses = dict(OutboundEmail.objects.filter(pk__in=[e.pk for e in emails]).values_list("to_address", "status"))
    assert statuses == {
        "anna@example.com": "sent",
        "bo@example.com": "failed",
        "cilla@example.com": "sent",
        "dan@example.com": "queued",
    }


def test_an_unreachable_server_is_a_temporary_failure(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    email = queue()
    assert sending.email_send(email_id=email.pk).outcome == "retry"
    email.refresh_from_db()
    assert email.status == "queued" and "ConnectionRefusedError" in email.last_error


def test_the_sweep_sends_only_what_its_own_task_should_have_sent_by_now(sink, settings):
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 60
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        old = queue()
        clock.shift(45)
        new = queue(to="bo@example.com")
        clock.shift(20)
        assert sending.emails_send_due() == {"sent": 1, "retry": 0, "failed": 0}
        assert sending.emails_send_due() == {"sent": 0, "retry": 0, "failed": 0}
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.status, new.status) == ("sent", "queued")
    assert len(sink.wait_for(1)) == 1


def test_the_sweep_sends_in_batches_over_one_connection(sink):
    for i in range(25):
        queue(to=f"p{i}@example.com")
    assert sending.emails_send_due(grace_seconds=0, batch_size=10)["sent"] == 25
    assert len(sink.wait_for(25)) == 25
    assert sink.sessions == 1
    assert not OutboundEmail.objects.filter(status="queued").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_row_another_worker_holds_is_skipped_not_sent_twice(sink, monkeypatch):
    from consent.notifications import services

    monkeypatch.setattr(services, "_publish", lambda batch: None)  # no task: this test sends
    email = queue()
    held, release = threading.Event(), threading.Event()

    def other_worker():
        from django.db import connection

        with transaction.atomic():
            OutboundEmail.objects.select_for_update().get(pk=email.pk)
            held.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(10)
        assert sending.email_send(email_id=email.pk) == sending.SKIPPED
        assert sending.emails_send_due(grace_seconds=0)["sent"] == 0
    finally:
        release.set()
        thread.join(10)
    assert sending.email_send(email_id=email.pk) == sending.SENT
    assert len(sink.wait_for(1)) == 1


def test_retention_blanks_content_and_address_of_finished_emails(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    subject = subject_for("anna@example.com")
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(days=31), tick=False):
        old_sent = queue(subject=subject)
        old_queued = queue()
    OutboundEmail.objects.filter(pk=old_sent.pk).update(status="sent", sent_at=now - datetime.timedelta(days=31))
    recent = queue()
    OutboundEmail.objects.filter(pk=recent.pk).update(status="sent")

    assert sending.emails_redact_expired(now=now) == 1
    assert sending.emails_redact_expired(now=now) == 0

    old_sent.refresh_from_db()
    assert (old_sent.to_address, old_sent.subject_line, old_sent.body_text, old_sent.body_html) == ("", "", "", "")
    assert old_sent.headers == {} and old_sent.redacted_at == now
    # What an operator needs stays: which email, to which person, when, and how it went.
    assert (old_sent.template, old_sent.subject_id, old_sent.status) == ("greeting", subject.pk, "sent")
    assert old_sent.message_id
    old_queued.refresh_from_db()
    recent.refresh_from_db()
    assert old_queued.body_text and recent.body_text


def test_erasure_blanks_every_email_to_the_person_and_cancels_queued_ones():
    subject = subject_for("anna@example.com")
    sent = queue(subject=subject)
    OutboundEmail.objects.filter(pk=sent.pk).update(status="sent")
    queued = queue(subject=subject)
    other = queue(to="bo@example.com")

    assert sending.emails_redact_for_subject(subject=subject) == 2

    sent.refresh_from_db(), queued.refresh_from_db(), other.refresh_from_db()
    assert (sent.status, sent.to_address) == ("sent", "")
    assert (queued.status, queued.body_text) == ("failed", "")
    assert other.to_address == "bo@example.com"


@pytest.mark.parametrize(
    "text",
    [
        "Hej Anna,\n.\nEn rad som börjar med en punkt:\n.. två\n",
        "A line longer than SMTP allows, sent quoted-printable: " + "å" * 1000 + "\n",
    ],
)
def test_a_message_arrives_as_djangos_own_message_would(sink, text):
    """The worker builds messages itself (Django's build cost half of its time): they must
    read exactly as Django's would. A Swedish subject line, an internationalised domain, a
    line that is only a dot, a line too long for SMTP, an extra header in non-ASCII text."""
    email = queue(to="anna@exämple.se", headers={"X-Campaign": "Höst"})
    OutboundEmail.objects.filter(pk=email.pk).update(subject_line="Ändrad policy: läs den", body_text=text)
    email.refresh_from_db()

    assert sending.email_send(email_id=email.pk) == sending.SENT

    [received] = sink.wait_for(1)
    django_built = message_from_bytes(sending.email_message(email).message().as_bytes(), policy=policy.default)
    for header in ("Subject", "From", "To", "Message-ID", "X-Campaign", "MIME-Version"):
        assert received[header] == django_built[header], header
    assert received["Subject"] == "Ändrad policy: läs den"
    assert received["To"] == "anna@xn--exmple-cua.se"
    assert received["Date"]
    assert received.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    assert received.get_body(("html",)).get_content().replace("\r\n", "\n") == email.body_html
    assert [part.get_content_type() for part in received.walk()] == [
        part.get_content_type() for part in django_built.walk()
    ]

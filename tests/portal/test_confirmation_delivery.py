"""The confirmation the policy promises, through a real Celery worker (a separate process
on the machine's Redis) to a real SMTP server: it arrives once, with every field, whatever
fails on the way."""

import time

import pytest
from django.db import transaction
from django.utils import timezone

from consent.demo.services import policies_demo_seed
from consent.notifications.models import OutboundEmail
from consent.notifications.services import email_queue
from consent.notifications.tasks import send_due_emails_task, send_email_task
from tests.factories import UserFactory, staff_login
from tests.notifications.smtp import SmtpSink
from tests.notifications.worker import Worker, broker_url, publishing_to, unique_queue
from tests.portal.helpers import registration_data

pytestmark = [
    pytest.mark.redis,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture(scope="module")
def sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, sink):
    queue = unique_queue()
    # Quick retries, so a refused message fails within seconds here (minutes in production).
    worker = Worker(
        email_port=sink.port,
        queue=queue,
        env={"OUTBOX_RETRY_BACKOFF_SECONDS": "0.3", "OUTBOX_MAX_ATTEMPTS": "3", "OUTBOX_SWEEP_GRACE_SECONDS": "60"},
    )
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def running(worker, sink):
    """The worker is up, this process publishes to its queue, and the sink starts empty."""
    sink.clear()
    sink.refuse = None
    policies_demo_seed()
    with publishing_to(broker_url(), worker.queue):
        yield worker


def exactly_one(sink, *, settle: float = 1.0):
    messages = sink.wait_for(1, timeout=30)
    time.sleep(settle)  # a duplicate would arrive within this
    assert len(sink.messages) == 1, [m["Message-ID"] for m in sink.messages]
    return messages[0]


def test_a_registration_gets_exactly_one_confirmation_with_every_field(client, running, sink):
    response = client.post("/accounts/register/", registration_data(client))
    assert response.status_code == 302

    message = exactly_one(sink)

    row = OutboundEmail.objects.get(template="registration_confirmation")
    assert row.status == "sent" and row.attempts == 1
    assert message["Message-ID"] == row.message_id
    assert message["To"] == "maria.lind@example.se"
    assert message["Subject"].strip() == row.subject_line
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        # Every personal field captured, in the person's language (Swedish) …
        for value in ("maria.lind@example.se", "Maria Lind", "+46701234567", "Storgatan 1", "111 22 Stockholm",
                      "Sverige", "Svenska", "Translator"):  # fmt: skip
            assert value in body, value
        # … each choice made, the policy version accepted with a link, and how to change it.
        assert "Vår egen marknadsföring, E-post" in body and "Partners marknadsföring, Post" in body
        assert "2.0" in body and "/privacy/privacy-policy/versions/" in body
        assert "/accounts/verify/" in body and "/portal/choices/" in body and "/portal/profile/" in body


def test_broker_down_at_registration_the_sweep_delivers_once_it_is_back(client, running, sink):
    data = registration_data(client)
    with publishing_to(UNREACHABLE_BROKER, running.queue):
        started = time.monotonic()
        response = client.post("/accounts/register/", data)
        took = time.monotonic() - started
    assert response.status_code == 302  # the person is registered all the same
    assert took < 5
    row = OutboundEmail.objects.get(template="registration_confirmation")
    assert row.status == "queued"
    time.sleep(1)
    assert sink.messages == []

    # The broker is back; the beat's next sweep finds the row past its grace period.
    OutboundEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timezone.timedelta(minutes=2))
    send_due_emails_task.delay()
    message = exactly_one(sink)
    assert message["Message-ID"] == row.message_id

    # Another sweep, and a late copy of the lost task, change nothing.
    send_due_emails_task.delay()
    send_email_task.delay(row.pk)
    exactly_one(sink, settle=1.5)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


def test_the_same_send_task_delivered_three_times_sends_once(running, sink):
    user = UserFactory()
    with transaction.atomic():
        email = email_queue(
            to=user.email, template="password_reset", context={"user": user, "reset_url": "x"}, language="fr"
        )
    # Two more deliveries of the same task, racing the first on two worker processes.
    send_email_task.delay(email.pk)
    send_email_task.delay(email.pk)

    message = exactly_one(sink, settle=1.5)

    assert message["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)


def test_smtp_refusing_is_retried_then_failed_then_requeued_from_the_admin(client, running, sink):
    sink.refuse = "451 4.3.0 Mailbox busy, try again later"
    assert client.post("/accounts/register/", registration_data(client)).status_code == 302
    row = OutboundEmail.objects.get(template="registration_confirmation")

    deadline = time.monotonic() + 30
    while row.status != "failed" and time.monotonic() < deadline:
        time.sleep(0.2)
        row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error.startswith("SMTPRecipientsRefused: 451")
    assert sink.messages == []

    # Staff see it among the failed emails and re-queue it by hand.
    client.logout()
    staff_login(client, UserFactory(email="admin@example.com", is_staff=True, is_superuser=True))
    page = client.get("/admin/notifications/outboundemail/", {"status__exact": "failed"}).content.decode()
    assert f"/admin/notifications/outboundemail/{row.pk}/change/" in page
    assert "SMTPRecipientsRefused: 451" in page
    sink.refuse = None
    response = client.post("/admin/notifications/outboundemail/", {"action": "requeue", "_selected_action": [row.pk]})
    assert response.status_code == 302

    message = exactly_one(sink)
    assert message["Message-ID"] == row.message_id
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)

"""email_queue: rendered at queue time in the recipient's language, written in the
caller's transaction, sent only after it commits, idempotent with a dedupe key."""

import pytest
from django.core import mail
from django.db import transaction

from consent.notifications.models import OutboundEmail
from consent.notifications.services import email_queue, emails_requeue
from tests.factories import subject_for

pytestmark = pytest.mark.django_db


def queue(**kwargs) -> OutboundEmail:
    kwargs.setdefault("to", "anna@example.com")
    kwargs.setdefault("template", "greeting")
    kwargs.setdefault("context", {"name": "Anna"})
    kwargs.setdefault("language", "en")
    return email_queue(**kwargs)


def test_the_email_is_rendered_and_stored_at_queue_time(settings):
    subject = subject_for("anna@example.com")

    email = queue(subject=subject)

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.subject == subject
    assert email.to_address == "anna@example.com"
    assert email.from_address == settings.DEFAULT_FROM_EMAIL
    # One line, whatever the template's line breaks; plain text is not HTML-escaped, HTML is.
    assert email.subject_line == "Hello Anna & more"
    assert "Language: Anna <Anna>" in email.body_text
    assert "<p>Language: Anna</p>" in email.body_html and '<html lang="en">' in email.body_html
    assert settings.CONTROLLER_NAME in email.body_text
    assert email.message_id.startswith("<") and email.message_id.endswith("@localhost>")
    assert email.attempts == 0 and email.sent_at is None


@pytest.mark.parametrize(
    ("language", "word"), [("sv", "Språk"), ("fr", "Langue"), ("sv-SE", "Språk"), ("de", "Language")]
)
def test_the_email_speaks_the_recipients_language(language, word):
    email = queue(language=language)
    assert f"{word}: Anna" in email.body_text
    assert email.language in {"sv", "fr", "en"}


def test_nothing_is_sent_before_the_commit_and_one_task_after(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queue()
    assert len(callbacks) == 1
    assert mail.outbox == []

    callbacks[0]()  # the commit: the task runs (eagerly here, without a broker)

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id


def test_a_rolled_back_transaction_leaves_no_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue()
                raise RuntimeError("the caller's change failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


def test_a_dedupe_key_makes_a_second_queue_a_no_op(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue(dedupe_key="notice:42")
        second = queue(dedupe_key="notice:42", context={"name": "Someone else"})
    assert first.created is True and second.created is False
    assert second.pk == first.pk
    assert OutboundEmail.objects.count() == 1
    assert len(callbacks) == 1


def test_callers_add_headers_but_not_the_outboxs_own():
    email = queue(
        headers={"List-Unsubscribe": "<https://example.com/u/1>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    )
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with pytest.raises(ValueError, match="cannot be set"):
        queue(headers={"Message-ID": "<forged@example.com>"})
    with pytest.raises(ValueError, match="line break"):
        queue(headers={"X-Note": "a\r\nBcc: victim@example.com"})


def test_a_broker_that_cannot_be_reached_never_fails_the_caller(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from consent.notifications import services

    def unreachable(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(services.send_emails_task, "apply_async", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert f"1 outbound email(s) from id {email.pk} will be sent by the sweep" in caplog.text
    assert "anna@example.com" not in caplog.text


def test_one_transactions_emails_are_published_together_in_chunks(monkeypatch, django_capture_on_commit_callbacks):
    from consent.notifications import services

    published = []
    monkeypatch.setattr(services.send_emails_task, "apply_async", lambda args, **kw: published.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            emails = [queue(to=f"p{i}@example.com") for i in range(services.PUBLISH_CHUNK + 3)]
            try:
                with transaction.atomic():
                    queue(to="rolled.back@example.com")  # its callback is dropped with the savepoint
                    raise RuntimeError
            except RuntimeError:
                pass
    assert len(callbacks) == len(emails)  # one per email, but only the first publishes
    ids = [email.pk for email in emails]
    assert [len(chunk) for chunk in published] == [services.PUBLISH_CHUNK, 4]
    assert set(ids) <= {i for chunk in published for i in chunk}


def test_requeue_takes_only_failed_rows_with_their_content(django_capture_on_commit_callbacks):
    failed = queue()
    OutboundEmail.objects.filter(pk=failed.pk).update(status="failed", attempts=6, last_error="451 busy")
    redacted = queue()
    OutboundEmail.objects.filter(pk=redacted.pk).update(status="failed", body_text="", redacted_at="2026-01-01T00:00Z")
    queued = queue()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = emails_requeue(email_ids=[failed.pk, redacted.pk, queued.pk])

    assert ids == [failed.pk]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.failed_at) == ("queued", 0, None)
    assert len(callbacks) == 1

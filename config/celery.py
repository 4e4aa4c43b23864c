import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("consent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work, run by `celery -A config beat` (docker compose runs it).
app.conf.beat_schedule = {
    # Sends what the broker lost: emails still queued after OUTBOX_SWEEP_GRACE_SECONDS.
    "send-due-emails": {"task": "consent.notifications.tasks.send_due_emails_task", "schedule": 60.0},
    # Removes the content and address of emails older than OUTBOX_RETENTION_DAYS.
    "redact-old-emails": {
        "task": "consent.notifications.tasks.redact_old_emails_task",
        "schedule": crontab(hour=3, minute=17),
    },
    # Subject requests: unverified ones expire after REQUEST_VERIFICATION_DAYS; deadline reminders.
    "expire-unverified-requests": {
        "task": "requests_app.tasks.expire_unverified_requests_task",
        "schedule": crontab(hour=2, minute=41),
    },
    "remind-request-deadlines": {
        "task": "requests_app.tasks.remind_request_deadlines_task",
        "schedule": crontab(hour=7, minute=5),
    },
}


@worker_init.connect
def _refuse_wrong_identity_key(**_kwargs) -> None:
    # A worker hashing with another key would write digests that match nothing.
    from consent.accounts.services import identity_key_verify

    identity_key_verify()

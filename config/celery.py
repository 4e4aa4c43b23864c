import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("consent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work is CELERY_BEAT_SCHEDULE in config/settings.py, run by `celery -A config beat`.


@worker_init.connect
def _refuse_wrong_identity_key(**_kwargs) -> None:
    # A worker hashing with another key would write digests that match nothing.
    from consent.accounts.services import identity_key_verify

    identity_key_verify()

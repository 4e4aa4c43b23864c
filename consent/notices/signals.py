"""Receivers: publishing a material version starts its notice run."""

import datetime

from django.conf import settings
from django.utils import timezone

from consent.notices.services import notice_run_start


def notice_run_on_publish(sender, *, version, retired=None, **kwargs) -> None:
    """Sent after the publication committed, so the run sees the version published. A
    publication recorded as older than the notice period is history being loaded (the
    demo, an import of past versions), not news: nobody is emailed about it."""
    recent = version.published_at >= timezone.now() - datetime.timedelta(days=settings.POLICY_NOTICE_DAYS)
    if version.is_material and recent:
        notice_run_start(version=version)

"""The back office's periodic work. Thin: each task calls one service."""

from celery import shared_task

from consent.backoffice.models import DashboardFigure
from consent.backoffice.services import dashboard_figures_refresh


@shared_task
def refresh_dashboard_figures_task() -> int:
    """Every few minutes (CELERY_BEAT_SCHEDULE): this week's and last week's figures; on the
    first run, every week's."""
    return dashboard_figures_refresh()


@shared_task(soft_time_limit=1800, time_limit=1900)
def recount_suppression_figures_task() -> int:
    """Nightly: the suppression chart over every week, for entries removed since they were
    counted (an unsubscribe undone weeks later)."""
    return dashboard_figures_refresh(weeks=None, charts=[DashboardFigure.Chart.SUPPRESSION_ADDED])

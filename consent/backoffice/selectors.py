"""What the dashboard reads: the weekly figures `dashboard_figures_refresh` counted."""

import datetime
from collections import defaultdict

from django.db.models import Max

from consent.backoffice.models import DashboardFigure


def dashboard_figures(*, charts: list[str], since: datetime.date) -> dict[str, dict[datetime.date, dict[str, int]]]:
    """{chart: {week: {series: value}}} for the weeks from `since` on: one query, through
    the (chart, week, series) index."""
    figures: dict[str, dict[datetime.date, dict[str, int]]] = {chart: defaultdict(dict) for chart in charts}
    rows = DashboardFigure.objects.filter(chart__in=charts, week__gte=since).values_list(
        "chart", "week", "series", "value"
    )
    for chart, week, series, value in rows:
        figures[chart][week][series] = value
    return figures


def dashboard_figures_as_of() -> datetime.datetime | None:
    """When the figures were last counted (every refresh writes the decisions chart)."""
    return DashboardFigure.objects.filter(chart=DashboardFigure.Chart.DECISIONS).aggregate(at=Max("computed_at"))["at"]

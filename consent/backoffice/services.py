"""The dashboard's weekly figures, counted from the ledger and the suppression list into
DashboardFigure so that a view reads a few hundred small rows instead of aggregating
millions (issue 13).

A week's counts change only while rows are written into it: events are append-only and
dated when written, entries dated when added. So a refresh recounts the last two weeks (the
previous one for a transaction that committed after Monday 00:00 UTC), and the first run,
finding no figures, counts every week. The one exception is an unsubscribe undone later,
which deletes an entry of an older week: the suppression chart is recounted in full nightly."""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from consent.backoffice.models import DashboardFigure

Chart = DashboardFigure.Chart
RECENT_WEEKS = 2

# Weeks are UTC weeks (AT TIME ZONE 'UTC'), whatever the session's time zone.
_DECISIONS_SQL = """
SELECT (date_trunc('week', occurred_at AT TIME ZONE 'UTC'))::date, decision, count(*)
  FROM ledger_consentevent
 WHERE occurred_at >= %(since)s
 GROUP BY 1, 2
"""

# Of the people who made a choice about a purpose in a week, how many ended the week with a
# grant: each person's last event per purpose and week (any channel), counted.
_PURPOSES_SQL = """
SELECT week, purpose_id, count(*) FILTER (WHERE decision = 'granted'), count(*)
  FROM (SELECT DISTINCT ON (subject_id, purpose_id, week) subject_id, purpose_id, week, decision
          FROM (SELECT subject_id, purpose_id, id, decision,
                       (date_trunc('week', occurred_at AT TIME ZONE 'UTC'))::date AS week
                  FROM ledger_consentevent
                 WHERE occurred_at >= %(since)s) AS e
         ORDER BY subject_id, purpose_id, week, id DESC) AS last_choice
 GROUP BY 1, 2
"""

_SUPPRESSION_SQL = """
SELECT (date_trunc('week', created_at AT TIME ZONE 'UTC'))::date, reason, count(*)
  FROM suppression_suppressionentry
 WHERE created_at >= %(since)s
 GROUP BY 1, 2
"""

_FIRST_WEEK_SQL = """
SELECT (date_trunc('week', least((SELECT min(occurred_at) FROM ledger_consentevent),
                                 (SELECT min(created_at) FROM suppression_suppressionentry))
                          AT TIME ZONE 'UTC'))::date
"""


def week_of(moment: datetime.datetime) -> datetime.date:
    """The Monday (UTC) of the week `moment` falls in."""
    day = moment.astimezone(datetime.UTC).date()
    return day - datetime.timedelta(days=day.weekday())


def week_start(week: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(week, datetime.time.min, tzinfo=datetime.UTC)


def dashboard_figures_refresh(*, weeks: int | None = RECENT_WEEKS, charts: Iterable[str] = tuple(Chart)) -> int:
    """Recount `charts` for the last `weeks` weeks, this one included (None: every week
    since the first event or entry), replacing their figures in one transaction. With no
    figure counted yet, every week is counted whatever `weeks` says. Returns the figures
    written."""
    charts = set(charts)
    now = timezone.now()
    this_week = week_of(now)
    with transaction.atomic(), connection.cursor() as cursor:
        # One refresh at a time (the beat's and an operator's); the dashboard reads on meanwhile.
        cursor.execute("LOCK TABLE backoffice_dashboardfigure IN SHARE ROW EXCLUSIVE MODE")
        every_week = weeks is None or not DashboardFigure.objects.exists()
        if every_week:
            cursor.execute(_FIRST_WEEK_SQL)
            since = min(cursor.fetchone()[0] or this_week, this_week)
        else:
            since = this_week - datetime.timedelta(weeks=weeks - 1)
        params = {"since": week_start(since)}
        counts: list[tuple[str, datetime.date, str, int]] = []
        if Chart.DECISIONS in charts:
            # Every week gets both decisions, zeros included: an empty week is a figure too,
            # and the newest computed_at says when the figures were last counted.
            decided = {(week, "granted"): 0 for week in _mondays(since, this_week)}
            decided.update({(week, "withdrawn"): 0 for week in _mondays(since, this_week)})
            cursor.execute(_DECISIONS_SQL, params)
            decided.update({(week, decision): count for week, decision, count in cursor.fetchall()})
            counts += [(Chart.DECISIONS, week, decision, count) for (week, decision), count in decided.items()]
        if charts & {Chart.PURPOSE_GRANTED, Chart.PURPOSE_CHOSE}:
            cursor.execute(_PURPOSES_SQL, params)
            for week, purpose, granted, chose in cursor.fetchall():
                counts += [(Chart.PURPOSE_GRANTED, week, purpose, granted), (Chart.PURPOSE_CHOSE, week, purpose, chose)]
        if Chart.SUPPRESSION_ADDED in charts:
            cursor.execute(_SUPPRESSION_SQL, params)
            counts += [(Chart.SUPPRESSION_ADDED, week, reason, count) for week, reason, count in cursor.fetchall()]
        replaced = DashboardFigure.objects.filter(chart__in=charts)
        # Every week: the weeks whose last entry has since gone too.
        (replaced if every_week else replaced.filter(week__gte=since)).delete()
        figures = DashboardFigure.objects.bulk_create(
            DashboardFigure(chart=chart, week=week, series=series, value=value, computed_at=now)
            for chart, week, series, value in counts
            if chart in charts
        )
    return len(figures)


def _mondays(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]

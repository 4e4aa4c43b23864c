"""The dashboard's weekly figures: counted by the beat task into a small table, equal to a
count made from scratch, and recounted as new weeks and undone unsubscribes come."""

import datetime
import re

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from consent.accounts.identity import email_digest
from consent.accounts.roles import PRIVACY_OFFICER
from consent.backoffice.models import DashboardFigure
from consent.backoffice.services import dashboard_figures_refresh
from consent.backoffice.tasks import recount_suppression_figures_task, refresh_dashboard_figures_task
from consent.ledger.services import Actor
from consent.suppression.models import SuppressionEntry
from consent.suppression.services import suppression_add, suppression_unsubscribe, suppression_unsubscribe_undo
from tests.factories import UserFactory, record, staff_in_role, staff_login

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 9, 2, 9, 0, tzinfo=datetime.UTC)  # a Wednesday
CHART = DashboardFigure.Chart

# The counts made from scratch, as the dashboard made them per view before the figures table.
SCRATCH = {
    CHART.DECISIONS: """
        SELECT (date_trunc('week', occurred_at AT TIME ZONE 'UTC'))::date, decision, count(*)
          FROM ledger_consentevent GROUP BY 1, 2""",
    CHART.PURPOSE_GRANTED: """
        SELECT week, purpose_id, count(*) FILTER (WHERE decision = 'granted')
          FROM (SELECT DISTINCT ON (subject_id, purpose_id, week) subject_id, purpose_id, week, decision
                  FROM (SELECT subject_id, purpose_id, id, decision,
                               (date_trunc('week', occurred_at AT TIME ZONE 'UTC'))::date AS week
                          FROM ledger_consentevent) AS e
                 ORDER BY subject_id, purpose_id, week, id DESC) AS last_choice
         GROUP BY 1, 2""",
    CHART.PURPOSE_CHOSE: """
        SELECT week, purpose_id, count(DISTINCT subject_id)
          FROM (SELECT subject_id, purpose_id,
                       (date_trunc('week', occurred_at AT TIME ZONE 'UTC'))::date AS week
                  FROM ledger_consentevent) AS e
         GROUP BY 1, 2""",
    CHART.SUPPRESSION_ADDED: """
        SELECT (date_trunc('week', created_at AT TIME ZONE 'UTC'))::date, reason, count(*)
          FROM suppression_suppressionentry GROUP BY 1, 2""",
}


def _scratch() -> dict[tuple, int]:
    counts = {}  # without zeros, as _figures
    with connection.cursor() as cursor:
        for chart, sql in SCRATCH.items():
            cursor.execute(sql)
            counts.update({(chart, week, series): value for week, series, value in cursor.fetchall() if value})
    return counts


def _figures() -> dict[tuple, int]:
    # Zeros are figures too (a week with no withdrawal); a count from scratch has no row for them.
    return {
        (chart, week, series): value
        for chart, week, series, value in DashboardFigure.objects.values_list("chart", "week", "series", "value")
        if value
    }


def _a_season(people, weeks: range) -> None:
    """Demo-like traffic: each week some people grant, withdraw and change their minds, about
    several purposes and channels, and entries of several reasons are added."""
    purposes = [("research", None), ("marketing_own", "email"), ("marketing_own", None), ("cookies_analytics", None)]
    for week in weeks:
        for n, person in enumerate(people):
            if (n + week) % 3 == 0:
                continue
            purpose, channel = purposes[(n + week) % len(purposes)]
            with time_machine.travel(START + datetime.timedelta(weeks=week, hours=n), tick=False):
                record(person.subject, purpose, "granted" if (n * week) % 2 == 0 else "withdrawn", channel=channel)
                if n % 4 == week % 4:
                    record(person.subject, purpose, "withdrawn", channel=channel)
        suppression_add(
            identifiers=[f"list{week}-{n}@example.com" for n in range(week + 1)],
            reason=["complaint", "bounce", "import"][week % 3],
            source=f"week {week}",
            actor=Actor.system(),
        )
        _dated(source=f"week {week}", at=START + datetime.timedelta(weeks=week, days=2))


def _dated(*, source: str, at: datetime.datetime) -> None:
    # Entries are dated by the database's clock, which time_machine does not move.
    SuppressionEntry.objects.filter(source=source).update(created_at=at)


def test_the_figures_equal_a_count_from_scratch_and_follow_new_weeks():
    with time_machine.travel(START, tick=False):
        people = [UserFactory(email=f"person{n}@example.se") for n in range(9)]
    _a_season(people, range(5))
    with time_machine.travel(START + datetime.timedelta(weeks=4, days=3), tick=False):
        refresh_dashboard_figures_task()  # the first run: every week
    assert _figures() == _scratch()
    assert len({week for _chart, week, _series in _figures()}) == 5
    assert (CHART.SUPPRESSION_ADDED, datetime.date(2026, 9, 14), "import") in _figures()

    # Then week by week, each recount covering only this week and last: that is enough.
    for week in range(5, 8):
        _a_season(people, range(week, week + 1))
        next_monday = START + datetime.timedelta(weeks=week + 1, days=-2)
        with time_machine.travel(next_monday, tick=False):
            refresh_dashboard_figures_task()
    assert _figures() == _scratch()
    assert (CHART.DECISIONS, datetime.date(2026, 10, 19), "granted") in _figures()


def test_an_event_in_a_new_week_appears_after_the_refresh(client):
    staff_login(client, staff_in_role(PRIVACY_OFFICER))
    with time_machine.travel(START, tick=False):
        person = UserFactory(email="person@example.se")
        refresh_dashboard_figures_task()
    next_week = START + datetime.timedelta(weeks=1)
    with time_machine.travel(next_week, tick=False):
        record(person.subject, "research", "granted")
        before = client.get("/admin/dashboard/").content.decode()
    with time_machine.travel(next_week + datetime.timedelta(minutes=5), tick=False):
        refresh_dashboard_figures_task()
        after = client.get("/admin/dashboard/").content.decode()
    assert "2026-09-07: 1 granted" not in before and "figures as of 2026-09-02 09:00" in before
    assert "2026-09-07: 1 granted" in after and "figures as of 2026-09-09 09:05" in after
    assert "Market research and surveys, 2026-09-07: 100.0% (1 / 1)" in after
    assert "person@example.se" not in after and str(person.subject.pk) not in after


def test_an_unsubscribe_undone_weeks_later_leaves_the_count_at_the_nightly_recount():
    digest = email_digest("reader@example.com")
    with time_machine.travel(START, tick=False):
        suppression_unsubscribe(digest=digest, subject=None, purpose="marketing_own", channel=None)
        SuppressionEntry.objects.update(created_at=START)
        refresh_dashboard_figures_task()
    week = datetime.date(2026, 8, 31)
    assert DashboardFigure.objects.get(chart=CHART.SUPPRESSION_ADDED, week=week).value == 1
    with time_machine.travel(START + datetime.timedelta(weeks=4), tick=False):
        suppression_unsubscribe_undo(digest=digest, subject=None, purpose="marketing_own", channel=None)
        refresh_dashboard_figures_task()
        assert DashboardFigure.objects.get(chart=CHART.SUPPRESSION_ADDED, week=week).value == 1  # four weeks back
        recount_suppression_figures_task()
    assert not DashboardFigure.objects.filter(chart=CHART.SUPPRESSION_ADDED, week=week).exists()
    assert _figures() == _scratch()


def test_before_the_first_count_the_page_says_so(client):
    staff_login(client, staff_in_role(PRIVACY_OFFICER))
    html = client.get("/admin/dashboard/").content.decode()
    assert "have not been counted yet" in html


def test_the_command_recounts_every_week_or_the_last_ones(capsys):
    with time_machine.travel(START, tick=False):
        record(UserFactory(email="person@example.se").subject, "research", "granted")
    with time_machine.travel(START + datetime.timedelta(weeks=10), tick=False):
        dashboard_figures_refresh(weeks=1)  # nothing counted yet: every week all the same
        assert DashboardFigure.objects.filter(chart=CHART.DECISIONS).count() == 2 * 11
        DashboardFigure.objects.all().delete()
        call_command("dashboard_refresh", "--all")
        assert re.search(r"^\d+ figures counted\.$", capsys.readouterr().out.strip())
    assert _figures() == _scratch()

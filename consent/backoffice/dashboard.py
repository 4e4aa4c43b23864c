"""The dashboard: aggregate figures as server-drawn SVG charts, never a person (R9).

The ledger and suppression charts read the weekly figures that `dashboard_figures_refresh`
counts every few minutes (one indexed query each over a few hundred rows, whatever the
ledger's size), so the page says when they were counted; the requests and offices charts
count the (small) requests table live, over the last WEEKS weeks. Charts are sections, like the subject
page's, so another app can add one with `dashboard_section_register`.

Every chart has a <title> and <desc> and, under it, the same numbers as a table."""

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.backoffice.models import DashboardFigure
from consent.backoffice.selectors import dashboard_figures, dashboard_figures_as_of
from consent.backoffice.services import week_of, week_start
from consent.ledger.models import ConsentEvent
from consent.ledger.selectors import purposes_by_code
from consent.suppression.models import SuppressionEntry
from requests_app.models import OPEN_STATUSES, SubjectRequest

Chart = DashboardFigure.Chart
WEEKS = 26
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40
# Colour-blind-safe (Okabe–Ito), in series order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"]


@dataclass(frozen=True)
class DashboardSection:
    name: str
    title: str
    template: str
    build: Callable[[], dict] | None  # None: provided by an app not installed yet


_sections: list[DashboardSection] = []


def dashboard_section_register(section: DashboardSection) -> None:
    """Add a section, or replace the one of the same name (e.g. an absent one now provided)."""
    for index, existing in enumerate(_sections):
        if existing.name == section.name:
            _sections[index] = section
            return
    _sections.append(section)


def _weeks() -> list[datetime.date]:
    """The Mondays of the last WEEKS weeks (UTC), oldest first, this week included."""
    monday = week_of(timezone.now())
    return [monday - datetime.timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def _since(weeks: list[datetime.date]) -> datetime.datetime:
    return week_start(weeks[0])


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --------------------------------------------------------------------------- the queries
# Requests and offices are counted live: a few thousand requests, not millions of rows, and
# "overdue" is about now. Weeks are UTC weeks (AT TIME ZONE 'UTC'), whatever the session's.
# Requests received and completed per week and type, in the window.
REQUESTS_SQL = """
SELECT (date_trunc('week', received_at AT TIME ZONE 'UTC'))::date, type, 'received', count(*)
  FROM requests_app_subjectrequest WHERE received_at >= %(since)s GROUP BY 1, 2
UNION ALL
SELECT (date_trunc('week', closed_at AT TIME ZONE 'UTC'))::date, type, 'completed', count(*)
  FROM requests_app_subjectrequest WHERE closed_at >= %(since)s AND status = 'completed' GROUP BY 1, 2
"""

# Per office: open and overdue now (a paused request is not overdue), completed in the window
# and how many of those on time.
OFFICES_SQL = """
SELECT o.name,
       count(r.id) FILTER (WHERE r.status = ANY(%(open)s)),
       count(r.id) FILTER (WHERE r.status = ANY(%(open)s) AND r.paused_at IS NULL AND r.due_at < now()),
       count(r.id) FILTER (WHERE r.status = 'completed' AND r.closed_at >= %(since)s),
       count(r.id) FILTER (WHERE r.status = 'completed' AND r.closed_at >= %(since)s AND r.closed_at <= r.due_at)
  FROM requests_app_representativeoffice o
  LEFT JOIN requests_app_subjectrequest r ON r.office_id = o.id
 GROUP BY o.id, o.name
 ORDER BY o.name
"""


def decisions_per_week(weeks: list[datetime.date]) -> dict[datetime.date, dict[str, int]]:
    figures = dashboard_figures(charts=[Chart.DECISIONS], since=weeks[0])[Chart.DECISIONS]
    return {week: {"granted": 0, "withdrawn": 0, **figures.get(week, {})} for week in weeks}


def consent_rates_per_week(weeks: list[datetime.date]) -> dict[str, list[tuple[int, int]]]:
    """{purpose code: [(people who ended the week with a grant, people who chose) per week]},
    for the purposes someone made a choice about in the window."""
    figures = dashboard_figures(charts=[Chart.PURPOSE_GRANTED, Chart.PURPOSE_CHOSE], since=weeks[0])
    granted, chose = figures[Chart.PURPOSE_GRANTED], figures[Chart.PURPOSE_CHOSE]
    purposes = {purpose for week in weeks for purpose, count in chose.get(week, {}).items() if count}
    return {
        purpose: [(granted.get(week, {}).get(purpose, 0), chose.get(week, {}).get(purpose, 0)) for week in weeks]
        for purpose in purposes
    }


def suppression_by_reason(weeks: list[datetime.date]) -> dict[str, int]:
    """Entries added in the window, by reason."""
    counts: Counter[str] = Counter()
    for by_reason in dashboard_figures(charts=[Chart.SUPPRESSION_ADDED], since=weeks[0])[
        Chart.SUPPRESSION_ADDED
    ].values():
        counts.update(by_reason)
    return counts


# --------------------------------------------------------------------------- drawing
def _y(value: float, top: float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot - (value / top) * plot if top else TOP + plot, 1)


def _x_labels(weeks: list[datetime.date], step: float) -> list[dict]:
    return [
        {"x": round(LEFT + step * (i + 0.5), 1), "text": week.strftime("%d %b")}
        for i, week in enumerate(weeks)
        if i % 4 == 0
    ]


def _y_ticks(top: float, *, percent: bool = False) -> list[dict]:
    return [
        {"y": _y(top * f, top), "text": f"{round(top * f)}%" if percent else f"{round(top * f):,}"}
        for f in (0, 0.25, 0.5, 0.75, 1)
    ]


def rates_section() -> dict:
    weeks = _weeks()
    rates = consent_rates_per_week(weeks)
    purposes = purposes_by_code()
    step = (WIDTH - LEFT - RIGHT) / len(weeks)
    series = []
    for n, (code, values) in enumerate(sorted(rates.items())):
        name = purposes[code].name if code in purposes else code
        points = []
        for i, (granted, stated) in enumerate(values):
            if not stated:
                continue
            percent = 100 * granted / stated
            points.append(
                {
                    "x": round(LEFT + step * (i + 0.5), 1),
                    "y": _y(percent, 100),
                    "percent": f"{percent:.1f}",
                    "week": weeks[i],
                    "granted": granted,
                    "stated": stated,
                }
            )
        series.append(
            {
                "name": name,
                "colour": PALETTE[n % len(PALETTE)],
                "points": points,
                "path": " ".join(f"{p['x']},{p['y']}" for p in points),
            }
        )
    cells = [_percent_cells(rates[code]) for code in sorted(rates)]
    table = [{"week": week, "cells": [column[i] for column in cells]} for i, week in enumerate(weeks)]
    return {
        "series": series,
        "weeks": weeks,
        "table": table,
        "x_labels": _x_labels(weeks, step),
        "y_ticks": _y_ticks(100, percent=True),
        **_frame(),
    }


def _percent_cells(values: list[tuple[int, int]]) -> list[str]:
    return [f"{100 * granted / stated:.1f}%" if stated else "—" for granted, stated in values]


def _weekly_pairs(weeks: list[datetime.date], counts: dict, series: list[tuple[str, str]]) -> dict:
    """Bars per week, one per series ((key, label) pairs), side by side; with a table."""
    top = max([max(c.values()) for c in counts.values()] + [1])
    step = (WIDTH - LEFT - RIGHT) / len(weeks)
    bar = step * 0.8 / len(series)
    bars = []
    for i, week in enumerate(weeks):
        for j, (key, label) in enumerate(series):
            value = counts[week][key]
            y = _y(value, top)
            bars.append(
                {
                    "x": round(LEFT + step * i + step * 0.1 + bar * j, 1),
                    "y": y,
                    "width": round(bar, 1),
                    "height": round(HEIGHT - BOTTOM - y, 1),
                    "value": value,
                    "week": week,
                    "decision": label,
                    "colour": PALETTE[j],
                }
            )
    return {
        "bars": bars,
        "table": [{"week": week, **counts[week]} for week in weeks],
        "legend": [(label, PALETTE[j]) for j, (_key, label) in enumerate(series)],
        "x_labels": _x_labels(weeks, step),
        "y_ticks": _y_ticks(top),
        **_frame(),
    }


def decisions_section() -> dict:
    weeks = _weeks()
    series = [(d, ConsentEvent.Decision(d).label) for d in ("granted", "withdrawn")]
    return _weekly_pairs(weeks, decisions_per_week(weeks), series)


def requests_section() -> dict:
    weeks = _weeks()
    per_week = {week: {"received": 0, "completed": 0} for week in weeks}
    per_type = {value: {"label": label, "received": 0, "completed": 0} for value, label in SubjectRequest.Type.choices}
    for week, kind, what, count in _rows(REQUESTS_SQL, {"since": _since(weeks)}):
        if week in per_week:
            per_week[week][what] += count
        per_type[kind][what] += count
    chart = _weekly_pairs(weeks, per_week, [("received", _("received")), ("completed", _("completed"))])
    chart["per_type"] = list(per_type.values())
    return chart


def offices_section() -> dict:
    weeks = _weeks()
    rows = []
    for name, open_count, overdue, completed, on_time in _rows(
        OFFICES_SQL, {"since": _since(weeks), "open": list(OPEN_STATUSES)}
    ):
        rows.append(
            {
                "office": name,
                "open": open_count,
                "overdue": overdue,
                "completed": completed,
                "on_time": on_time,
                "rate": round(100 * on_time / completed) if completed else None,
            }
        )
    return {"offices": rows}


def suppression_section() -> dict:
    counts = suppression_by_reason(_weeks())
    rows = [(SuppressionEntry.Reason(reason).label, counts.get(reason, 0)) for reason in SuppressionEntry.Reason.values]
    top = max([count for _label, count in rows] + [1])
    row_height, label_width = 26, 190
    bars = [
        {
            "label": label,
            "value": count,
            "y": TOP + i * row_height,
            "text_y": TOP + i * row_height + 16,
            "width": round((WIDTH - label_width - 80) * count / top, 1),
        }
        for i, (label, count) in enumerate(rows)
    ]
    return {
        "bars": bars,
        "label_width": label_width,
        "height": TOP * 2 + row_height * len(rows),
        "width": WIDTH,
        "total": sum(count for _label, count in rows),
    }


def _frame() -> dict:
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - BOTTOM + 18,
    }


_T = "admin/dashboard/"
for _section in (
    DashboardSection("consent_rates", _("Consent rates per purpose"), f"{_T}rates.html", rates_section),
    DashboardSection("decisions", _("Grants and withdrawals per week"), f"{_T}decisions.html", decisions_section),
    DashboardSection(
        "suppression", _("Do-not-contact entries added, by reason"), f"{_T}suppression.html", suppression_section
    ),
    DashboardSection("requests", _("Requests received and completed per week"), f"{_T}requests.html", requests_section),
    DashboardSection(
        "offices", _("On-time rate and overdue requests per office"), f"{_T}offices.html", offices_section
    ),
):
    dashboard_section_register(_section)


def dashboard_view(request, site):
    """Aggregates only: no query here returns a row about one person."""
    context = {
        **site.each_context(request),
        "title": gettext("Dashboard"),
        "weeks": WEEKS,
        "as_of": dashboard_figures_as_of(),
        "sections": [
            {
                "name": section.name,
                "title": section.title,
                "template": section.template,
                "available": section.build is not None,
                **(section.build() if section.build is not None else {}),
            }
            for section in _sections
        ],
    }
    return TemplateResponse(request, "admin/dashboard/index.html", context)

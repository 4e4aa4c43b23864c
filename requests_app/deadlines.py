"""When a request must be answered: one table, jurisdiction x type -> period and extension.

The jurisdiction comes from the requester's country. The platform cannot tell a US
state from the country alone, so a US requester gets California's rules (the strictest
the company is bound by there). docs/operations.md has the table in words."""

import calendar
import datetime
from dataclasses import dataclass

# EEA (EU 27 + Iceland, Liechtenstein, Norway), the UK and Switzerland: GDPR Art. 12(3) and its twins.
EEA_UK_CH = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GB CH".split()
)
CALIFORNIA_COUNTRIES = frozenset({"US"})

EEA = "eea_uk_ch"
CALIFORNIA = "california"
ELSEWHERE = "elsewhere"
ANY = "*"
CA_1798_83 = "ca_1798_83"


@dataclass(frozen=True)
class Period:
    months: int = 0
    days: int = 0

    def after(self, moment: datetime.datetime) -> datetime.datetime:
        return add_months(moment, self.months) + datetime.timedelta(days=self.days)


@dataclass(frozen=True)
class Deadline:
    period: Period
    # None: the deadline cannot be extended.
    extension: Period | None = None
    # An extension must be announced to the requester within this period from receipt.
    extension_notice_within: Period | None = None


# Looked up as (jurisdiction, type), then (ANY, type), then (jurisdiction, ANY).
DEADLINES: dict[tuple[str, str], Deadline] = {
    (EEA, ANY): Deadline(Period(months=1), extension=Period(months=2), extension_notice_within=Period(months=1)),
    (CALIFORNIA, ANY): Deadline(Period(days=45), extension=Period(days=45), extension_notice_within=Period(days=45)),
    # Cal. Civ. Code 1798.83(c)(1): 30 days, once per customer per calendar year.
    (ANY, CA_1798_83): Deadline(Period(days=30)),
    (ELSEWHERE, ANY): Deadline(Period(days=30)),
}


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """`moment` plus calendar months, the day clamped to the month's last: 31 Jan + 1 = 28/29 Feb."""
    if not months:
        return moment
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def jurisdiction(country: str) -> str:
    country = (country or "").upper()
    if country in EEA_UK_CH:
        return EEA
    if country in CALIFORNIA_COUNTRIES:
        return CALIFORNIA
    return ELSEWHERE


def deadline_for(*, country: str, type: str) -> Deadline:
    where = jurisdiction(country)
    for key in ((where, type), (ANY, type), (where, ANY)):
        if key in DEADLINES:
            return DEADLINES[key]
    raise LookupError(f"No deadline for {where}/{type}")


def due_at(
    *,
    country: str,
    type: str,
    received_at: datetime.datetime,
    extended: bool = False,
    paused_for: datetime.timedelta = datetime.timedelta(0),
) -> datetime.datetime:
    """The moment the answer is due: the period from receipt, the extension after it if
    taken, and the time the clock stood still while the requester owed us an answer."""
    rule = deadline_for(country=country, type=type)
    due = rule.period.after(received_at)
    if extended and rule.extension is not None:
        due = rule.extension.after(due)
    return due + paused_for

"""The deadline table: jurisdiction x type, calendar months, leap years, the one extension."""

import datetime

import pytest
import time_machine

from consent.notifications.models import OutboundEmail
from requests_app import deadlines
from requests_app.common import RequestActor, TransitionRefused
from requests_app.services import request_extend, request_submit, request_transition, request_verify

UTC = datetime.UTC


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 1, 31, 9), at(2026, 2, 28, 9)),  # no 31 February: the month's last day
        (at(2028, 1, 31, 9), at(2028, 2, 29, 9)),  # leap year
        (at(2026, 1, 15, 9), at(2026, 2, 15, 9)),
        (at(2026, 12, 31, 9), at(2027, 1, 31, 9)),  # across the year
        (at(2026, 3, 31, 9), at(2026, 4, 30, 9)),
    ],
)
def test_eea_one_calendar_month(received, due):
    assert deadlines.due_at(country="SE", type="access", received_at=received) == due


def test_eea_extension_two_more_months_from_the_first_deadline():
    # 31 Jan -> 28 Feb (+1 month) -> 28 Apr (+2 months from 28 Feb).
    received = at(2026, 1, 31, 9)
    assert deadlines.due_at(country="DE", type="deletion", received_at=received, extended=True) == at(2026, 4, 28, 9)
    assert deadlines.due_at(country="GB", type="access", received_at=received) == at(2026, 2, 28, 9)
    assert deadlines.due_at(country="CH", type="access", received_at=received) == at(2026, 2, 28, 9)


def test_california_45_days_plus_45_and_1798_83_thirty_days():
    received = at(2026, 1, 31, 9)
    assert deadlines.due_at(country="US", type="access", received_at=received) == at(2026, 3, 17, 9)
    assert deadlines.due_at(country="US", type="access", received_at=received, extended=True) == at(2026, 5, 1, 9)
    assert deadlines.due_at(country="US", type="ca_1798_83", received_at=received) == at(2026, 3, 2, 9)
    assert deadlines.deadline_for(country="US", type="ca_1798_83").extension is None


def test_elsewhere_thirty_days_and_the_pause_moves_the_deadline():
    received = at(2026, 1, 31, 9)
    assert deadlines.due_at(country="JP", type="access", received_at=received) == at(2026, 3, 2, 9)
    assert deadlines.due_at(country="", type="question", received_at=received) == at(2026, 3, 2, 9)
    paused = datetime.timedelta(days=3, hours=2)
    assert deadlines.due_at(country="JP", type="access", received_at=received, paused_for=paused) == at(2026, 3, 5, 11)


@pytest.mark.django_db
def test_a_request_gets_its_due_date_and_extends_once_with_a_reason_the_requester_is_told():
    with time_machine.travel(at(2028, 1, 31, 10), tick=False):
        made = request_submit(type="access", channel="web_form", email="eva@example.se", country="SE")
        assert made.due_at == at(2028, 2, 29, 10)
        made = request_verify(request=made, method="email_link", actor=RequestActor.requester())
    staff = RequestActor("staff:po@example.com")
    with time_machine.travel(at(2028, 2, 20, 10), tick=False):
        with pytest.raises(TransitionRefused):
            request_extend(request=made, actor=staff, reason="  ")
        made = request_extend(request=made, actor=staff, reason="Many systems to search.")
        assert made.due_at == at(2028, 4, 29, 10)
        assert made.extension_told_at == at(2028, 2, 20, 10)
        with pytest.raises(TransitionRefused, match="already been extended"):
            request_extend(request=made, actor=staff, reason="Again.")
    told = OutboundEmail.objects.filter(to_address="eva@example.se").order_by("pk").last()
    assert "2028-04-29" in told.body_text and "Many systems to search." in told.body_text


@pytest.mark.django_db
def test_an_extension_after_the_first_month_is_refused():
    with time_machine.travel(at(2026, 1, 10, 10), tick=False):
        made = request_submit(type="access", channel="web_form", email="eva@example.se", country="SE")
        made = request_verify(request=made, method="email_link", actor=RequestActor.requester())
    with time_machine.travel(at(2026, 2, 11, 10), tick=False), pytest.raises(TransitionRefused, match="Too late"):
        request_extend(request=made, actor=RequestActor.system(), reason="Busy.")


@pytest.mark.django_db
def test_waiting_on_the_requester_pauses_the_clock_and_the_pause_shows():
    with time_machine.travel(at(2026, 1, 10, 10), tick=False):
        made = request_submit(type="question", channel="web_form", email="eva@example.se", country="SE", details="?")
        made = request_verify(request=made, method="email_link", actor=RequestActor.requester())
        made = request_transition(
            request=made, to="awaiting_requester", actor=RequestActor.system(), comment="Which account do you mean?"
        )
        assert made.paused_at == at(2026, 1, 10, 10)
        assert not made.is_overdue
    with time_machine.travel(at(2026, 1, 15, 10), tick=False):
        made = request_transition(request=made, to="in_progress", actor=RequestActor.requester())
    assert made.paused_at is None
    assert made.paused_for == datetime.timedelta(days=5)
    assert made.due_at == at(2026, 2, 15, 10)

"""Sessions name their user (erasure ends them by index) and expired ones are cleared daily."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from consent.accounts.models import UserSession
from consent.accounts.tasks import clear_expired_sessions_task
from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_signed_in_session_names_its_user_and_an_anonymous_one_no_one():
    user = UserFactory()
    signed_in = Client()
    signed_in.force_login(user)
    anonymous = Client()
    session = anonymous.session
    session["django_language"] = "sv"
    session.save()

    assert sorted(UserSession.objects.values_list("user_id", flat=True), key=str) == sorted([user.pk, None], key=str)


@pytest.mark.django_db
def test_the_daily_task_clears_expired_sessions_only():
    live, expired = Client(), Client()
    live.force_login(UserFactory())
    expired.force_login(UserFactory())
    UserSession.objects.filter(session_key=expired.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert clear_expired_sessions_task() == 1
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [live.session.session_key]

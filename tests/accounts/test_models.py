import pytest
from django.db import IntegrityError, connection, transaction

from consent.accounts.identity import email_digest
from consent.accounts.models import Subject, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_stored_canonical():
    user = UserFactory(email="  Maria.Lind@Example.SE ")
    assert user.email == "maria.lind@example.se"


def test_email_uniqueness_ignores_case():
    UserFactory(email="maria@example.se")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="MARIA@example.SE")


def test_email_uniqueness_is_enforced_by_the_database():
    UserFactory(email="maria@example.se")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (email, password, first_name, last_name, phone, street_address, postal_code,"
            " city, country, language, occupation, is_staff, is_active, is_superuser, registered_at)"
            " VALUES ('Maria@Example.se', '', '', '', '', '', '', '', '', 'en', '', false, true, false, now())"
        )


def test_login_is_case_insensitive(client):
    UserFactory(email="maria@example.se", password="a long passphrase")
    user = User.objects.get_by_natural_key("  MARIA@example.se")
    assert user.check_password("a long passphrase")


def test_registering_a_user_creates_their_subject():
    user = UserFactory(email="maria@example.se")
    subject = Subject.objects.get(user=user)
    assert bytes(subject.email_digest) == email_digest("maria@example.se")


def test_phone_is_stored_as_e164():
    user = UserFactory(phone="+46 70 123 45 67")
    assert user.phone == "+46701234567"

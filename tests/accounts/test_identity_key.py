import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from consent.accounts.identity import identity_key_fingerprint
from consent.accounts.models import IdentityKey
from consent.accounts.services import identity_key_verify

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_migrate_recorded_the_key_fingerprint(settings):
    assert IdentityKey.objects.get().fingerprint == identity_key_fingerprint()


def test_the_same_key_is_accepted_and_recorded_once():
    identity_key_verify()
    identity_key_verify()
    assert list(IdentityKey.objects.values_list("fingerprint", flat=True)) == [identity_key_fingerprint()]


def test_the_fingerprint_of_a_key_never_changes(settings):
    # Every deployment stored its key's fingerprint at its first migrate: a change to how
    # it is derived would make each of them refuse its own key.
    settings.IDENTITY_HASH_KEY = "fixed-test-key"
    assert identity_key_fingerprint() == "1f833549aca1dc27a9eae484a1d657a3794c8de3b3fb4a709c06262b37604cc0"


def test_a_changed_key_is_refused(settings):
    settings.IDENTITY_HASH_KEY = "a-different-key"
    with pytest.raises(ImproperlyConfigured, match="IDENTITY_HASH_KEY differs"):
        identity_key_verify()


def test_the_fingerprint_does_not_reveal_the_key(settings):
    assert settings.IDENTITY_HASH_KEY not in identity_key_fingerprint()


def _database_url() -> str:
    params = connection.settings_dict
    host = quote(params["HOST"], safe="") if params["HOST"] else ""
    return f"postgres://{params['USER']}@{host}:{params['PORT'] or 5432}/{params['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_server_with_a_changed_key_refuses_to_start():
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "IDENTITY_HASH_KEY": "a-different-key",
        "DJANGO_DEBUG": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "IDENTITY_HASH_KEY differs" in result.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrate_with_a_changed_key_fails_its_check():
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "IDENTITY_HASH_KEY": "a-different-key",
        "DJANGO_DEBUG": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "accounts.E001" in result.stderr

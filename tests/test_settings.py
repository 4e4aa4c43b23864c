"""The settings refuse an unsafe production start and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7#kq2!vZp9@Lm4$Tn8^Rw1&Ys6*Hb3(Jd5)Fg0-Ce+Ua_Oi=Qe",
    "DJANGO_ALLOWED_HOSTS": "privacy.example.com",
    "IDENTITY_HASH_KEY": "production-identity-key-0123456789abcdef",
    "LEDGER_SIGNING_KEY": "cHJvZHVjdGlvbi1sZWRnZXItc2lnbmluZy1rZXktMzI=",
    "EMAIL_URL": "smtp://mail.example.com:587",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/consent",
}


def _manage(*args: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "IDENTITY_", "EMAIL_", "LEDGER_"))}
    env.update(PRODUCTION)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "IDENTITY_HASH_KEY", "LEDGER_SIGNING_KEY", "EMAIL_URL"]
)
def test_production_refuses_to_start_without(missing):
    result = _manage("check", **{missing: None})
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr
    assert missing in result.stderr


@pytest.mark.parametrize(
    "override",
    [
        {"IDENTITY_HASH_KEY": "dev-only-identity-hash-key"},
        {"LEDGER_SIGNING_KEY": "gdXfBEnTFIEWo+DYVn4YYi8xYppRnwpuR+DAQB7093E="},
    ],
)
def test_production_refuses_the_development_keys(override):
    result = _manage("check", **override)
    assert result.returncode != 0
    assert "development key" in result.stderr


@pytest.mark.parametrize("key", ["not base64!", "c2hvcnQ=", "cHJvZHVjdGlvbi1sZWRnZXItc2lnbmluZy1rZXktMzI=,extra"])
def test_a_ledger_signing_key_that_is_not_32_bytes_is_refused(key):
    result = _manage("check", LEDGER_SIGNING_KEY=key)
    assert result.returncode != 0
    assert "LEDGER_SIGNING_KEY must be base64 of 32 bytes" in result.stderr


def test_a_missing_database_url_is_explained():
    result = _manage("check", DATABASE_URL=None, DJANGO_DEBUG="true")
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout

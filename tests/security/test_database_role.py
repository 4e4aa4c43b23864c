"""Issue 7, item 3: the role the web app and workers connect as cannot empty or edit the
ledger, whatever it sets, and still does everything the application needs.

The role is a real login role made the documented way (CREATE ROLE, then
`manage.py grant_app_role`), connected to the test database over its own connection."""

import io
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import errors

from consent.ledger.chain import Evidence, ledger_verify
from consent.ledger.models import ConsentEvent, ConsentEvidence, EvidenceErasure, LedgerCheckpoint
from consent.ledger.services import ledger_checkpoint_take
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]


def _can_create_roles() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        return cursor.fetchone()[0]


@pytest.fixture
def app_role():
    """A login role with exactly the privileges grant_app_role gives; dropped afterwards."""
    if not _can_create_roles():
        pytest.skip("the test database's user may not create roles (needs CREATEROLE or superuser)")
    name = f"consent_app_test_{secrets.token_hex(5)}"
    password = secrets.token_urlsafe(18)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
    try:
        call_command("grant_app_role", name, stdout=io.StringIO(), stderr=io.StringIO())
        yield name, password
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s AND pid <> pg_backend_pid()",
                [name],
            )
            cursor.execute(f"DROP OWNED BY {name}")
            cursor.execute(f"DROP ROLE {name}")


def _params(role: tuple[str, str]) -> dict:
    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
        "dbname": settings["NAME"],
        "user": role[0],
        "password": role[1],
    }


def _url(role: tuple[str, str]) -> str:
    params = _params(role)
    host = quote(params["host"] or "", safe="")
    port = f":{params['port']}" if params["port"] else ""
    return f"postgres://{role[0]}:{quote(role[1], safe='')}@{host}{port}/{params['dbname']}"


@pytest.fixture
def as_app(app_role):
    with psycopg.connect(**_params(app_role)) as conn:
        yield conn


@pytest.fixture
def ledger():
    people = [subject_for(f"p{n}@example.com") for n in range(2)]
    for person in people:
        record(person, "primary_use", source="registration", evidence=Evidence(ip_address="192.0.2.8"))
        record(person, "marketing_own", "withdrawn", channel="email")
    ledger_checkpoint_take()
    return people


def _counts() -> tuple[int, int, int, int]:
    return (
        ConsentEvent.objects.count(),
        ConsentEvidence.objects.count(),
        LedgerCheckpoint.objects.count(),
        EvidenceErasure.objects.count(),
    )


BYPASSES = {
    "truncate events, allowed by setting": [
        "SET LOCAL consent.allow_truncate = 'on'",
        "TRUNCATE ledger_consentevent CASCADE",
    ],
    "truncate evidence, allowed by setting": [
        "SET LOCAL consent.allow_truncate = 'on'",
        "TRUNCATE ledger_consentevidence",
    ],
    "delete evidence, erasure setting": ["SET LOCAL consent.erasure = 'on'", "DELETE FROM ledger_consentevidence"],
    "delete evidence, the function's own flag": [
        "SET LOCAL consent.evidence_erase = 'on'",
        "DELETE FROM ledger_consentevidence",
    ],
    "disable the event triggers": ["ALTER TABLE ledger_consentevent DISABLE TRIGGER ALL"],
    "disable the user triggers": ["ALTER TABLE ledger_consentevidence DISABLE TRIGGER USER"],
    "drop a trigger": ["DROP TRIGGER pgtrigger_ledger_consentevent_append_only_94cf6 ON ledger_consentevent"],
    "replication role skips triggers": ["SET session_replication_role = replica", "DELETE FROM ledger_consentevent"],
    "update an event": ["UPDATE ledger_consentevent SET decision = 'granted'"],
    "delete an event": ["DELETE FROM ledger_consentevent"],
    "take the tables over": ["ALTER TABLE ledger_consentevent OWNER TO CURRENT_USER"],
    "forge an erasure record": [
        "INSERT INTO ledger_evidenceerasure (subject_id, evidence_rows, erased_at, erased_by)"
        " SELECT id, 0, now(), 'x' FROM accounts_subject",
    ],
    "delete the checkpoints": ["DELETE FROM ledger_chainhead", "DELETE FROM ledger_ledgercheckpoint"],
}


def test_no_bypass_works_for_the_application_role(ledger, as_app):
    before = _counts()
    refused = {}
    for name, statements in BYPASSES.items():
        with pytest.raises(psycopg.Error) as raised, as_app.transaction():
            for statement in statements:
                as_app.execute(statement)
        refused[name] = type(raised.value).__name__
    # Each is refused by PostgreSQL's privileges, before any trigger is even needed.
    assert set(refused.values()) <= {"InsufficientPrivilege"}, refused
    assert _counts() == before
    assert ledger_verify().intact


def test_the_erase_function_refuses_a_person_not_erased(ledger, as_app):
    before = _counts()
    with pytest.raises(errors.ObjectNotInPrerequisiteState, match="has not been erased"), as_app.transaction():
        as_app.execute("SELECT ledger_evidence_erase(%s)", [ledger[0].pk])
    assert _counts() == before


def test_the_erase_function_is_the_one_way_and_records_who_used_it(ledger, as_app, app_role):
    person = ledger[0]
    with as_app.transaction():
        as_app.execute("UPDATE accounts_subject SET erased_at = now() WHERE id = %s", [person.pk])
        removed = as_app.execute("SELECT ledger_evidence_erase(%s)", [person.pk]).fetchone()[0]
    assert removed == 2
    assert not ConsentEvidence.objects.filter(event__subject=person).exists()
    assert ConsentEvidence.objects.filter(event__subject=ledger[1]).count() == 2
    erasure = EvidenceErasure.objects.get()
    assert (erasure.subject_id, erasure.evidence_rows, erasure.erased_by) == (person.pk, 2, app_role[0])
    assert ledger_verify().intact


def test_the_application_runs_as_that_role(ledger, app_role):
    """Record through consent_record, erase evidence through the service, run the batch
    check over the API, take a checkpoint and verify the ledger: all as the role."""
    script = """
import io, json, django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from consent.accounts.models import Subject
from consent.accounts.services import api_key_create
from consent.ledger.services import Actor, consent_evidence_erase, consent_record_for_person

def person(email):
    return consent_record_for_person(email=email, purpose="primary_use", decision="granted", source="api",
                                     actor=Actor.system("role-test"))

out = {"event": person("role-test@example.com").pk}
_key, secret = api_key_create(name="role-test", scopes=["consent:read"])
response = Client().post("/api/v1/consents/check/", {"purpose": "marketing_own", "channel": "email",
                         "identifiers": ["role-test@example.com"]}, content_type="application/json",
                         HTTP_AUTHORIZATION="Api-Key " + secret)
out["check"] = [response.status_code, response.json()["results"][0]["reason"]]
gone = Subject.objects.get(pk=person("gone@example.com").subject_id)
Subject.objects.filter(pk=gone.pk).update(erased_at=timezone.now())
out["erased"] = consent_evidence_erase(subject=gone)
checkpoint, verify = io.StringIO(), io.StringIO()
call_command("ledger_checkpoint", stdout=checkpoint)
call_command("verify_ledger", stdout=verify)
out["checkpoint"], out["verify"] = checkpoint.getvalue(), verify.getvalue()
print(json.dumps(out))
"""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "PYTEST_"))}
    env.update({"DATABASE_URL": _url(app_role), "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "true"})
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert ConsentEvent.objects.get(pk=out["event"]).actor_id == "role-test"
    assert out["check"] == [200, "opt_out_default"]
    assert out["erased"] == 1
    assert "Took checkpoint #" in out["checkpoint"] and "6 events in 4 chains" in out["checkpoint"]
    assert "Ledger intact: 6 events in 4 chains verified against checkpoint #" in out["verify"]

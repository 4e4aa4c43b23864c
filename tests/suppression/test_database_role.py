"""The suppression list's bulk paths as the application's database role (row privileges
only, tests/security/test_database_role.py): the import's COPY into a temporary staging
table and its known people's writers on connections of their own, the scrub's temporary
tables, and the one-click unsubscribe."""

import json
import os
import subprocess
import sys

import pytest

from consent.ledger.models import ConsentEvent
from consent.suppression.models import SuppressionEntry
from tests.factories import UserFactory, ledger_verified, record
from tests.security.test_database_role import ROOT, _url, app_role  # noqa: F401 - the role fixture

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
from consent.accounts.identity import email_digest
from consent.decisions.scrub import scrub_addresses
from consent.suppression.tokens import unsubscribe_token

call_command("import_suppressions", "{list}", "--reason", "bounce")
scrub = scrub_addresses(purpose="marketing_own", channel="email",
                        addresses=["known@example.com", "stranger@example.com", "fresh@example.com"])
token = unsubscribe_token(digest=email_digest("fresh@example.com"), purpose="marketing_own", channel="email")
response = Client().post(f"/unsubscribe/{{token}}/", {{"List-Unsubscribe": "One-Click"}})
print(json.dumps({{"deliverable": scrub.addresses, "excluded": scrub.excluded, "unsubscribe": response.status_code}}))
"""


def test_import_scrub_and_unsubscribe_run_as_the_application_role(app_role, tmp_path):  # noqa: F811
    known = UserFactory(email="known@example.com")
    record(known.subject, "marketing_own", "granted", channel="email")
    listed = tmp_path / "bounces.csv"
    listed.write_text("Email Address,Reason\nknown@example.com,hard\nstranger@example.com,hard\nnot-an-address,x\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "PYTEST_"))}
    env.update({
        "DATABASE_URL": _url(app_role), "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "true",
        "EMAIL_URL": "consolemail://", "MEDIA_ROOT": str(tmp_path / "media"),
    })  # fmt: skip

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(list=listed)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-3000:]
    assert "3 rows read, 2 added, 0 already present, 1 rejected, 3 withdrawals recorded" in result.stdout
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["deliverable"] == []  # the two listed are suppressed; the third has accepted no policy
    assert out["excluded"] == {"suppressed": 2, "no_policy_accepted": 1, "invalid": 0, "duplicate": 0}
    assert out["unsubscribe"] == 200
    assert SuppressionEntry.objects.count() == 3
    withdrawal = ConsentEvent.objects.filter(subject=known.subject).order_by("-pk").first()
    assert (withdrawal.decision, withdrawal.actor_type) == ("withdrawn", "system")
    assert ledger_verified().intact

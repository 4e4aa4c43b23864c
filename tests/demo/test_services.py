import base64
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.accounts.models import User
from consent.demo import policy_texts
from consent.demo.services import policies_demo_seed
from consent.ledger.models import ConsentEvent
from consent.policies.models import PolicyDocument, PolicyVersion

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(
        PolicyVersion.objects.values_list(
            "document__slug", "label", "status", "effective_at", "published_at", "retired_at", "content_hashes"
        )
    )


def test_demo_seed_publishes_every_version_in_order_and_is_idempotent():
    policies_demo_seed()
    first = _snapshot()

    policies_demo_seed()

    assert _snapshot() == first
    assert PolicyDocument.objects.count() == 2
    assert PolicyVersion.objects.count() == 6
    statuses = {(slug, label): status for slug, label, status, *_rest in first}
    for spec in policy_texts.DOCUMENTS:
        assert statuses[(spec["slug"], "1.0")] == "retired"
        assert statuses[(spec["slug"], "1.1")] == "retired"
        assert statuses[(spec["slug"], "2.0")] == "published"
    privacy = PolicyVersion.objects.get(document__slug="privacy-policy", label="2.0")
    assert privacy.effective_at == datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    assert privacy.is_material is True
    assert privacy.title_sv == "Integritetspolicy för Nordlys Meetings"
    assert set(privacy.content_hashes) == {"en", "sv", "fr"}


def test_seed_demo_command_seeds_the_policies(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert PolicyVersion.objects.filter(status=PolicyVersion.Status.PUBLISHED).count() == 2
    assert PolicyVersion.objects.count() == 6


def test_a_fresh_demo_database_verifies_against_its_checkpoint(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()

    call_command("verify_ledger", stdout=out)

    assert "checkpoint" in out.getvalue().lower()


def test_seed_demo_is_idempotent_and_its_logins_work(client, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    first, second = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first)
    counts = (User.objects.count(), ConsentEvent.objects.count(), PolicyVersion.objects.count())
    call_command("seed_demo", stdout=second)
    assert first.getvalue() == second.getvalue()
    assert (User.objects.count(), ConsentEvent.objects.count(), PolicyVersion.objects.count()) == counts
    assert User.objects.filter(is_staff=True).count() == 2
    # Three demo people's choices, and the end user's registration and later changes.
    assert counts[1] == 9 + 7 and counts[2] == 6

    lines = first.getvalue().splitlines()
    index = next(n for n, line in enumerate(lines) if line.strip().startswith("admin"))
    _role, email, _label, password = lines[index].split()
    secret = lines[index + 1].split("TOTP secret:")[1].split()[0]
    backup_codes = lines[index + 1].split("backup codes:")[1].split()
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing

    # The printed secret is the device's: an authenticator app given it shows the right codes.
    code = TOTP(base64.b32decode(secret)).token()
    assert client.post("/admin/second-factor/", {"code": f"{code:06d}"}).status_code == 302
    assert client.get("/admin/").status_code == 200

    # A printed backup code works, and comes back with the next seed.
    client.logout()
    client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    assert client.post("/admin/second-factor/", {"code": backup_codes[0]}).status_code == 302
    assert client.get("/admin/").status_code == 200
    call_command("seed_demo", stdout=io.StringIO())
    assert StaticToken.objects.filter(device__user__email=email, token=backup_codes[0]).exists()


def test_seed_demo_keeps_a_password_written_before_staff_had_a_second_factor(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    (tmp_path / "demo-credentials.json").write_text(json.dumps({"admin": "old-password-1", "representative": "old-2"}))
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "password: old-password-1" in out.getvalue()
    assert TOTPDevice.objects.filter(user__email="admin@example.com", confirmed=True).count() == 1


def test_representative_sees_the_admin_with_limited_rights(client, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    rep = User.objects.get(email="rep@example.com")
    assert rep.has_perm("accounts.view_subject")
    assert not rep.has_perm("accounts.delete_user")
    assert not rep.has_perm("accounts.add_apikey")


def test_the_demo_end_user_logs_in_to_a_portal_with_a_history(client, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.strip().startswith("end-user"))
    _role, email, _label, password = line.split()

    response = client.post("/accounts/login/", {"username": email, "password": password})

    assert response.status_code == 302 and response["Location"] == "/portal/"
    user = User.objects.get(email=email)
    assert user.email_verified_at is not None and not user.is_staff
    history = client.get("/portal/history/").content.decode()
    assert history.count('id="event-') == 7
    assert "occupation" in history  # a profile change
    assert ConsentEvent.objects.filter(subject__user=user, source="registration").count() == 4

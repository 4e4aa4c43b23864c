import io

import pytest
from django.core.management import CommandError, call_command

from consent.accounts.models import ApiKey, User
from consent.ledger.models import ConsentEvent
from consent.policies.models import PolicyVersion

pytestmark = pytest.mark.django_db


def test_create_api_key_prints_a_working_key_once():
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "crm", "--scopes", "consent:read,consent:write", stdout=out, stderr=err)
    key = out.getvalue().strip().splitlines()[-1]
    api_key = ApiKey.objects.get_from_key(key)
    assert api_key.name == "crm"
    assert api_key.scopes == ["consent:read", "consent:write"]
    assert key not in api_key.hashed_key


def test_create_api_key_refuses_unknown_scopes():
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("create_api_key", "crm", "--scopes", "consent:read,everything")
    assert not ApiKey.objects.exists()


def test_seed_demo_is_idempotent_and_its_logins_work(client, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    first, second = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first)
    counts = (User.objects.count(), ConsentEvent.objects.count(), PolicyVersion.objects.count())
    call_command("seed_demo", stdout=second)
    assert first.getvalue() == second.getvalue()
    assert (User.objects.count(), ConsentEvent.objects.count(), PolicyVersion.objects.count()) == counts
    assert User.objects.filter(is_staff=True).count() == 2
    assert counts[1] == 9 and counts[2] == 6

    line = next(line for line in first.getvalue().splitlines() if line.strip().startswith("admin"))
    _role, email, _label, password = line.split()
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_representative_sees_the_admin_with_limited_rights(client, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    rep = User.objects.get(email="rep@example.com")
    assert rep.has_perm("accounts.view_subject")
    assert not rep.has_perm("accounts.delete_user")
    assert not rep.has_perm("accounts.add_apikey")

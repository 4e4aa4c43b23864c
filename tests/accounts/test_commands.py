import io

import pytest
from django.core.management import CommandError, call_command

from consent.accounts.models import ApiKey

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

"""The end user's path in a real browser: register in Swedish, confirm the address from the
confirmation email, log in, withdraw a choice, find it in the history with its receipt.
And a child's attempt, after which the address is nowhere: not in any column of any
table, not in a session, not in the cache, not in the logs."""

import hashlib
import json
import re
import uuid

import pytest
from django.core.cache import cache
from django.db import connection

from consent.accounts.identity import email_digest
from consent.accounts.models import UserSession
from consent.ledger.models import ConsentEvent
from consent.notifications.models import OutboundEmail
from tests.factories import UserFactory
from tests.portal.helpers import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fill_registration(page, *, email: str, age: str) -> None:
    page.fill("#id_email", email)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.fill("#id_first_name", "Maria")
    page.fill("#id_last_name", "Lind")
    page.fill("#id_age", age)
    page.fill("#id_phone", "+46 70 123 45 67")
    page.fill("#id_street_address", "Storgatan 1")
    page.fill("#id_postal_code", "111 22")
    page.fill("#id_city", "Stockholm")
    page.select_option("#id_country", "SE")
    page.select_option("#id_language", "sv")


def test_register_in_swedish_confirm_log_in_withdraw_and_keep_the_receipt(page, tmp_path):
    page.goto(page.base + "/")
    page.select_option("#language-select", "sv")
    page.get_by_role("button", name="Change").click()
    page.get_by_role("link", name="Registrera dig").first.click()

    assert page.locator("h1").inner_text() == "Registrera dig"
    assert page.get_by_text("version 2.0", exact=False).first.is_visible()
    for label in ("E-postadress", "Din ålder", "Yrke (frivilligt)"):
        assert page.get_by_label(label).count() == 1, label
    fill_registration(page, email="maria.lind@example.se", age="34")
    page.get_by_role("button", name="Registrera dig").click()
    assert page.locator("h1").inner_text() == "Titta i din inkorg"

    # The confirmation, in Swedish, with the link that confirms the address.
    email = OutboundEmail.objects.get(template="registration_confirmation")
    assert email.status == "sent" and email.language == "sv"
    assert email.subject_line.startswith("Din registrering hos")
    link = re.search(r"http://[^/]+(/accounts/verify/\S+/)", email.body_text).group(1)
    page.goto(page.base + link)
    page.get_by_role("button", name="Bekräfta min adress").click()
    assert page.locator("h1").inner_text() == "Adressen är bekräftad"

    page.get_by_role("link", name="Logga in").last.click()
    page.fill("#id_username", "maria.lind@example.se")
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Logga in").click()
    assert page.locator("h1").inner_text() == "Hej Maria"

    page.get_by_role("link", name="Mina val").first.click()
    page.get_by_role("button", name="Återkalla: Vår egen marknadsföring via E-post").click()
    assert "Sparat" in page.locator(".messages").inner_text()
    event = ConsentEvent.objects.latest("id")
    assert (event.purpose_id, event.channel, event.decision, event.source) == (
        "marketing_own",
        "email",
        "withdrawn",
        "portal",
    )

    page.get_by_role("link", name="Historik och kvitton").click()
    row = page.locator(f"#event-{event.pk}")
    assert "Vår egen marknadsföring (E-post)" in row.inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name="JSON").click()
    path = tmp_path / "receipt.json"
    download.value.save_as(path)
    receipt = json.loads(path.read_text())
    assert (receipt["recordId"], receipt["eventType"]) == (event.pk, "withdrawn")
    assert receipt["services"][0]["purposes"][0]["purposeCode"] == "marketing_own"
    row.get_by_role("link", name=f"Kvitto {event.pk}").click()
    assert event.hash in page.content()


def _columns_holding_text() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.table_name, c.column_name, c.data_type
                 FROM information_schema.columns c
                 JOIN information_schema.tables t USING (table_schema, table_name)
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb', 'ARRAY', 'inet')"""
        )
        return cursor.fetchall()


def find_everywhere(address: str) -> list[str]:
    """Every column (table.column) of every table holding the address, or its digests."""
    canonical = address.lower()
    needles = [email_digest(address), hashlib.sha256(canonical.encode()).digest(), canonical.encode()]
    found = []
    with connection.cursor() as cursor:
        for table, column, data_type in _columns_holding_text():
            if data_type == "bytea":
                condition = " OR ".join([f'position(%s::bytea in "{column}") > 0'] * len(needles))
                params = needles
            else:
                condition = f'position(%s in lower("{column}"::text)) > 0'
                params = [canonical]
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE {condition}', params)  # noqa: S608 - names from the catalogue
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def _redis_value(client, key) -> bytes:
    """Every byte a key holds, whatever its type (a broker's bindings are sets, say)."""
    kind = client.type(key)
    if kind == b"string":
        return client.get(key) or b""
    if kind == b"hash":
        return b" ".join(k + b"=" + v for k, v in client.hgetall(key).items())
    if kind == b"list":
        return b" ".join(client.lrange(key, 0, -1))
    if kind == b"set":
        return b" ".join(client.smembers(key))
    if kind == b"zset":
        return b" ".join(client.zrange(key, 0, -1))
    return b""


def test_a_twelve_year_old_is_refused_and_the_address_is_nowhere(page, every_log, settings):
    settings.DEBUG = True  # SQL, with its parameters, goes to the log too
    address = f"twelve.{uuid.uuid4().hex[:8]}@example.com"

    page.goto(page.base + "/accounts/register/")
    fill_registration(page, email=address, age="12")
    page.get_by_role("button", name="Register").click()

    assert page.locator("h1").inner_text() == "We cannot register you"
    assert address not in page.content()
    # The logs first (the scan below logs its own queries): the attempt left no line.
    assert address not in every_log.text
    assert "SELECT" in every_log.text  # the log did capture SQL, so the absence above means something
    settings.DEBUG = False

    assert find_everywhere(address) == []
    for session in UserSession.objects.all():
        assert address not in json.dumps(session.get_decoded())
    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):
        client = cache._cache.get_client()
        for key in client.scan_iter(count=1000):
            assert address.encode() not in key and address.encode() not in _redis_value(client, key)

    # And the scan finds an address where one is: a person who did register.
    UserFactory(email="control.person@example.com")
    assert {"accounts_user.email", "accounts_subject.email_digest"} <= set(
        find_everywhere("control.person@example.com")
    )

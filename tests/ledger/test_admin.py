import pytest

from consent.accounts.roles import PRIVACY_OFFICER, REPRESENTATIVE
from consent.ledger.checkpoints import checkpoint_file
from consent.ledger.services import ledger_checkpoint_take
from tests.factories import record, staff_in_role, staff_login, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff_session):
    return staff_session()


@pytest.fixture
def events():
    maria = subject_for("maria@example.se")
    other = subject_for("other@example.com")
    return [
        record(maria, "primary_use", source="registration"),
        record(maria, "marketing_own", "withdrawn", channel="email"),
        record(other, "cookies_analytics", "granted"),
    ]


def test_the_ledger_is_read_only_even_for_a_superuser(staff_client, events):
    page = staff_client.get("/admin/ledger/consentevent/")
    assert page.status_code == 200
    assert b"Add consent event" not in page.content
    change = staff_client.get(f"/admin/ledger/consentevent/{events[1].pk}/change/")
    assert change.status_code == 200
    assert b'name="decision"' not in change.content
    assert staff_client.post(f"/admin/ledger/consentevent/{events[1].pk}/delete/").status_code == 403


def test_ledger_search_by_email_hashes_the_term(staff_client, events):
    page = staff_client.get("/admin/ledger/consentevent/", {"q": "MARIA@example.se"})
    content = page.content.decode()
    assert f"/admin/ledger/consentevent/{events[0].pk}/change/" in content
    assert f"/admin/ledger/consentevent/{events[2].pk}/change/" not in content


def test_ledger_filters(staff_client, events):
    page = staff_client.get("/admin/ledger/consentevent/", {"decision": "withdrawn"})
    content = page.content.decode()
    assert f"/admin/ledger/consentevent/{events[1].pk}/change/" in content
    assert f"/admin/ledger/consentevent/{events[0].pk}/change/" not in content


def test_the_subject_page_shows_state_and_timeline(staff_client, events):
    subject = events[0].subject
    content = staff_client.get(f"/admin/accounts/subject/{subject.pk}/change/").content.decode()
    assert "Our own marketing" in content
    assert "withdrawn" in content
    assert f"/admin/ledger/consentevent/{events[1].pk}/change/" in content


def test_subject_search_by_email(staff_client, events):
    content = staff_client.get("/admin/accounts/subject/", {"q": "maria@example.se"}).content.decode()
    assert str(events[0].subject_id) in content
    assert str(events[2].subject_id) not in content


def test_purposes_can_be_reworded_but_not_added_or_deleted(staff_client):
    assert staff_client.get("/admin/ledger/purpose/add/").status_code == 403
    page = staff_client.get("/admin/ledger/purpose/marketing_own/change/")
    assert page.status_code == 200
    assert b'name="name_sv"' in page.content


def test_the_privacy_officer_downloads_a_checkpoint_file_a_representative_cannot(client, events):
    checkpoint = ledger_checkpoint_take()
    staff_login(client, staff_in_role(PRIVACY_OFFICER, email="officer@example.com"))
    listing = client.get("/admin/ledger/ledgercheckpoint/")
    assert listing.status_code == 200
    assert f"/admin/ledger/ledgercheckpoint/{checkpoint.pk}/file/" in listing.content.decode()
    download = client.get(f"/admin/ledger/ledgercheckpoint/{checkpoint.pk}/file/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="ledger-checkpoint-{checkpoint.pk}.json"'
    assert download.json() == checkpoint_file(checkpoint)
    assert client.post(f"/admin/ledger/ledgercheckpoint/{checkpoint.pk}/delete/").status_code == 403

    staff_login(client, staff_in_role(REPRESENTATIVE, email="rep@example.com"))
    assert client.get(f"/admin/ledger/ledgercheckpoint/{checkpoint.pk}/file/").status_code == 403
    assert client.get("/admin/ledger/ledgercheckpoint/").status_code == 403

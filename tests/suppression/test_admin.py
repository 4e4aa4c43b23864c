import pytest

from consent.accounts.identity import email_digest
from consent.accounts.roles import MARKETING, REPRESENTATIVE
from consent.ledger.models import ConsentEvent
from consent.ledger.services import Actor
from consent.suppression.models import SuppressionEntry, SuppressionImport
from consent.suppression.services import suppression_add
from tests.factories import UserFactory, staff_in_role, staff_login, subject_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    staff_login(client, UserFactory(email="admin@example.com", is_staff=True, is_superuser=True))
    return client


def test_entries_are_searched_by_address_hashed_first(superuser_client):
    suppression_add(
        identifiers=["ann@example.com", "bo@example.org"], reason="import", source="t", actor=Actor.system()
    )
    ann = SuppressionEntry.objects.get(identifier_digest=email_digest("ann@example.com"))
    page = superuser_client.get("/admin/suppression/suppressionentry/", {"q": " ANN@example.com"})
    content = page.content.decode()
    assert f"/admin/suppression/suppressionentry/{ann.pk}/change/" in content
    assert content.count("/change/") == 1
    filtered = superuser_client.get("/admin/suppression/suppressionentry/", {"reason__exact": "bounce"})
    assert filtered.status_code == 200 and "/change/" not in filtered.content.decode()


def test_representative_takes_a_person_off_from_their_page(client):
    rep = staff_in_role(REPRESENTATIVE)
    staff_login(client, rep)
    maria = subject_for("maria@example.se")
    page = client.get(f"/admin/accounts/subject/{maria.pk}/change/")
    assert "take-off-marketing" in page.content.decode()
    url = f"/admin/accounts/subject/{maria.pk}/take-off-marketing/"
    assert client.post(url, {"channel": "", "note": ""}).status_code == 200  # the note is required
    assert not SuppressionEntry.objects.exists()
    response = client.post(url, {"channel": "email", "note": "Called on 3 May"})
    assert response.status_code == 302
    entry = SuppressionEntry.objects.get()
    assert (entry.reason, entry.channel, entry.note, entry.created_by) == (
        "representative",
        "email",
        "Called on 3 May",
        f"staff:{rep.pk}",
    )
    assert ConsentEvent.objects.filter(subject=maria, source="representative", actor_id=str(rep.pk)).count() == 3


def test_representative_admin_action_on_several_people(client):
    staff_login(client, staff_in_role(REPRESENTATIVE))
    people = [subject_for("a@example.com"), subject_for("b@example.com")]
    data = {"action": "take_off_marketing", "_selected_action": [str(p.pk) for p in people]}
    form = client.post("/admin/accounts/subject/", data)
    assert form.status_code == 200 and 'name="note"' in form.content.decode()
    done = client.post("/admin/accounts/subject/", {**data, "apply": "1", "channel": "", "note": "Complaint letter"})
    assert done.status_code == 302
    assert SuppressionEntry.objects.filter(reason="representative").count() == 2


def test_marketing_imports_and_scrubs_but_sees_no_person(client, media_root, django_capture_on_commit_callbacks):
    staff_login(client, staff_in_role(MARKETING))
    maria = subject_for("maria@example.se")
    assert client.get(f"/admin/accounts/subject/{maria.pk}/change/").status_code in (302, 403)
    upload = client.get("/admin/suppression/suppressionimport/add/")
    assert upload.status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly without a broker
        response = client.post(
            "/admin/suppression/suppressionimport/add/",
            {"file": SimpleUploadedFile("bounces.csv", b"Email\nmaria@example.se\nbad\n"), "reason": "bounce"},
        )
    record = SuppressionImport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{record.pk}/change/")
    # The page shows the counts and the report link.
    detail = client.get(response["Location"]).content.decode()
    assert "Download the report" in detail and 'http-equiv="refresh"' not in detail
    report = client.get(f"/admin/suppression/suppressionimport/{record.pk}/report/")
    assert b"3,not an address,bad" in b"".join(report.streaming_content)
    scrub = client.post(
        "/admin/suppression/suppressionentry/scrub/",
        {"file": SimpleUploadedFile("campaign.csv", b"email\nmaria@example.se\nnew@example.com\n"),
         "purpose": "marketing_own", "channel": "email"},
    )  # fmt: skip
    content = scrub.content.decode()
    assert "0 of 2 lines may be contacted" in content
    assert "on a do-not-contact list" in content
    download = scrub.context["download"]
    assert b"".join(client.get(download).streaming_content).decode("utf-8-sig") == "email\r\n"
    assert client.get(download).status_code == 404  # handed out once


def test_a_running_import_page_refreshes_itself(superuser_client):
    record = SuppressionImport.objects.create(file_name="x.csv", sha256="0" * 64, status="running", progress=40)
    page = superuser_client.get(f"/admin/suppression/suppressionimport/{record.pk}/change/").content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert 'value="40"' in page and "import-progress.js" in page


def test_the_import_api(api_key_client, media_root, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    writer = api_key_client("suppression:write")
    data = b"E-mail;Namn\r\nann@example.com;Ann\r\nfel;X\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = writer.post(
            "/api/v1/suppressions/imports/", {"file": SimpleUploadedFile("l.csv", data), "reason": "complaint"},
            format="multipart",
        )  # fmt: skip
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"] and body["duplicate"] is False
    reader = api_key_client("suppression:read")
    detail = reader.get(body["url"]).json()
    assert (detail["status"], detail["rows_read"], detail["added"], detail["rejected"]) == ("done", 2, 1, 1)
    report = reader.get(detail["report_url"])
    assert report.status_code == 200 and b"not an address" in b"".join(report.streaming_content)
    again = writer.post(
        "/api/v1/suppressions/imports/", {"file": SimpleUploadedFile("l2.csv", data)}, format="multipart"
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert reader.get("/api/v1/suppressions/imports/999999/").status_code == 404

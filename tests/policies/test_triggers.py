"""The database refuses to change or delete a published text, whatever the code does.

pgtrigger's RAISE EXCEPTION (SQLSTATE P0001) reaches Django as ProgrammingError."""

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from consent.policies.models import PolicyVersion

pytestmark = pytest.mark.django_db


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_update_of_a_published_text_is_refused(make_version):
    published = make_version("1.0", publish=True)

    with pytest.raises(ProgrammingError, match="Cannot update rows"), transaction.atomic():
        _execute("UPDATE policies_policyversion SET body_en = 'x' WHERE id = %s", [published.pk])

    published.refresh_from_db()
    assert published.body_en == "## Scope\n\nEnglish text of 1.0.\n"


@pytest.mark.parametrize(
    "assignment",
    ["label = '9.9'", "effective_at = now()", "is_material = true", "content_hashes = '{}'", "title = 'x'"],
)
def test_every_column_of_the_text_is_protected(make_version, assignment):
    published = make_version("1.0", publish=True)
    with pytest.raises(ProgrammingError), transaction.atomic():
        _execute(f"UPDATE policies_policyversion SET {assignment} WHERE id = %s", [published.pk])


def test_orm_save_of_a_changed_published_text_is_refused(make_version):
    published = make_version("1.0", publish=True)
    published.body_en = "Rewritten."
    with pytest.raises(ProgrammingError), transaction.atomic():
        published.save()


def test_delete_of_a_published_version_is_refused(make_version):
    published = make_version("1.0", publish=True)

    with pytest.raises(ProgrammingError, match="Cannot delete rows"), transaction.atomic():
        _execute("DELETE FROM policies_policyversion WHERE id = %s", [published.pk])

    assert PolicyVersion.objects.filter(pk=published.pk).exists()


def test_retiring_a_published_version_is_allowed(make_version):
    published = make_version("1.0", publish=True)

    _execute("UPDATE policies_policyversion SET status = 'retired', retired_at = now() WHERE id = %s", [published.pk])

    published.refresh_from_db()
    assert published.status == PolicyVersion.Status.RETIRED


@pytest.mark.parametrize(("start", "to"), [("published", "draft"), ("retired", "published"), ("retired", "draft")])
def test_a_version_never_goes_back(make_version, start, to):
    version = make_version("1.0", publish=True)
    if start == "retired":
        _execute("UPDATE policies_policyversion SET status = 'retired' WHERE id = %s", [version.pk])

    with pytest.raises(ProgrammingError), transaction.atomic():
        _execute("UPDATE policies_policyversion SET status = %s WHERE id = %s", [to, version.pk])


def test_drafts_can_be_changed_and_deleted(make_version):
    draft = make_version("1.0")

    _execute("UPDATE policies_policyversion SET body_en = 'x' WHERE id = %s", [draft.pk])
    _execute("DELETE FROM policies_policyversion WHERE id = %s", [draft.pk])

    assert not PolicyVersion.objects.exists()

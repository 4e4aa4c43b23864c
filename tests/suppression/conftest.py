import pytest
from django.core.files.base import ContentFile

from consent.ledger.services import Actor
from consent.suppression.import_run import suppression_import_run
from consent.suppression.imports import suppression_import_create


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def import_file(db):
    """import_file(bytes, name=..., **options) -> the finished SuppressionImport (run in-process)."""

    def run(data: bytes, name: str = "list.csv", **options):
        record, created = suppression_import_create(
            upload=ContentFile(data, name=name), file_name=name, actor=Actor.system("test"), schedule=False, **options
        )
        if not created:
            return record
        return suppression_import_run(import_id=record.pk)

    return run

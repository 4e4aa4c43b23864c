import codecs
import csv
import io
import logging
import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from consent.accounts.identity import email_digest, phone_digest
from consent.decisions.rules import Reason, consent_decisions
from consent.ledger.models import ConsentEvent
from consent.ledger.services import Actor
from consent.suppression.imports import suppression_import_create
from consent.suppression.models import SuppressionEntry, SuppressionImport
from tests.factories import ledger_verified, record, subject_for

pytestmark = pytest.mark.django_db


def digests() -> set[bytes]:
    return {bytes(d) for d in SuppressionEntry.objects.values_list("identifier_digest", flat=True)}


def report_rows(record: SuppressionImport) -> list[list[str]]:
    with record.report.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8"))))[1:]


def test_mixed_good_and_bad_lines_keep_the_good_and_report_each_bad_with_its_line(import_file):
    data = (
        b"email,name\n"
        b"ann@example.com,Ann\n"  # line 2
        b"not-an-address,Bo\n"  # line 3
        b",Cy\n"  # line 4: empty
        b"  Dee@EXAMPLE.com ,Dee\n" + b"x" * 320 + b"@example.com,Long\n"  # line 5: canonicalised  # line 6: too long
        b"Eve <eve@example.com>,Eve\n"  # line 7: as mail programs write it
    )
    result = import_file(data)
    assert result.status == SuppressionImport.Status.DONE
    assert (result.rows_read, result.added, result.already_present, result.rejected) == (6, 3, 0, 3)
    assert digests() == {
        email_digest("ann@example.com"),
        email_digest("dee@example.com"),
        email_digest("eve@example.com"),
    }
    assert report_rows(result) == [
        ["3", "not an address", "not-an-address"],
        ["4", "empty", ""],
        ["6", "too long", "x" * 320 + "@example.com"],
    ]
    assert result.progress == 100
    assert (result.encoding, result.delimiter, result.column_used, result.column_kind) == (
        "utf-8",
        ",",
        "email",
        "email",
    )


def test_reimporting_the_same_file_adds_nothing_and_says_so(import_file):
    data = b"Email Address\nann@example.com\nbo@example.org\n"
    first = import_file(data)
    assert first.added == 2
    record_, created = suppression_import_create(
        upload=ContentFile(data, name="again.csv"), file_name="again.csv", actor=Actor.system("t"), schedule=False
    )
    assert (record_.pk, created) == (first.pk, False)
    assert SuppressionEntry.objects.count() == 2
    assert SuppressionImport.objects.count() == 1


def test_another_file_with_the_same_addresses_counts_them_as_already_present(import_file):
    import_file(b"email\nann@example.com\n")
    second = import_file(b"e-mail;name\r\nANN@example.com;Ann\r\nann@example.com;again\r\nnew@example.com;N\r\n")
    assert (second.rows_read, second.added, second.already_present) == (3, 1, 2)


def test_utf16_file(import_file):
    data = "E-mail\tNamn\r\nasa@exempel.se\tÅsa Öberg\r\n".encode("utf-16")
    result = import_file(data)
    assert (result.added, result.encoding, result.delimiter) == (1, "utf-16", "tab")
    assert digests() == {email_digest("asa@exempel.se")}


def test_semicolon_file_with_e_postadress_in_windows_1252(import_file):
    data = "Förnamn;E-postadress;Ort\r\nÅsa;asa@exempel.se;Göteborg\r\n".encode("cp1252")
    result = import_file(data)
    assert (result.added, result.encoding, result.delimiter, result.column_used) == (1, "cp1252", ";", "E-postadress")


def test_bom_and_crlf(import_file):
    data = codecs.BOM_UTF8 + b"Email\r\nann@example.com\r\nbo@example.org\r\n"
    result = import_file(data)
    assert (result.added, result.rejected, result.encoding) == (2, 0, "utf-8-sig")


def test_quoted_fields_with_commas(import_file):
    data = b'"Name","Email Address","Reason"\n"Lee, Ann","ann@example.com","bounced, 550"\n"Bo","bo@example.org",""\n'
    result = import_file(data)
    assert (result.added, result.rejected, result.column_used) == (2, 0, "Email Address")


def test_a_file_of_phone_numbers(import_file):
    result = import_file(b"Name;Mobile\nAnn;+46 70 123 45 67\nBo;070-1234567\nCy;12\n", phone_region="SE")
    # Both spellings are the same number: one entry.
    assert (result.rows_read, result.added, result.already_present, result.rejected) == (3, 1, 1, 1)
    assert digests() == {phone_digest("+46701234567")}
    assert report_rows(result) == [["4", "unparseable phone", "12"]]


def test_a_column_of_sha256_hashes_matches_the_same_people(import_file):
    import hashlib

    hashed = hashlib.sha256(b"ann@example.com").hexdigest()
    result = import_file(f"sha256\n{hashed}\nnot-a-hash\n".encode())
    assert (result.added, result.rejected) == (1, 1)
    assert digests() == {email_digest("ann@example.com")}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 50, "not text"),
        (b"PK\x03\x04" + bytes(200), "workbook"),
        (b"name,city\nAnn,Lund\nBo,Nice\n", "No column"),
    ],
)
def test_binary_files_and_files_without_an_address_column_are_refused_whole(import_file, data, message):
    result = import_file(data)
    assert result.status == SuppressionImport.Status.FAILED
    assert message in result.message
    assert result.added == 0
    assert not SuppressionEntry.objects.exists()


def test_a_refused_file_can_be_uploaded_again_naming_its_column(import_file):
    data = b"id,contact\n1,ann at example.com\n" * 1 + b"2,bo@example.org\n"
    refused = import_file(b"name,city\nAnn,Lund\n")
    assert refused.status == SuppressionImport.Status.FAILED
    again = import_file(b"name,city\nAnn,Lund\n", column_name="name")
    assert again.pk == refused.pk
    assert again.status == SuppressionImport.Status.DONE
    assert again.rejected == 1  # "Ann" is not an address: reported, not refused
    assert import_file(data).added == 1


def test_known_people_get_a_withdrawal_in_their_ledger_and_the_chain_holds(import_file):
    maria = subject_for("maria@example.se")
    record(maria, "primary_use", source="registration")
    record(maria, "marketing_own", "granted", channel="email")
    result = import_file(b"email\nmaria@example.se\nstranger@example.com\n", reason="bounce")
    assert (result.added, result.withdrawals) == (2, 3)
    events = ConsentEvent.objects.filter(subject=maria, source="import").order_by("id")
    assert [(e.purpose_id, e.channel, e.decision, e.actor_type, e.actor_id) for e in events] == [
        ("marketing_own", None, "withdrawn", "system", f"import:{result.pk}"),
        ("marketing_third_party", None, "withdrawn", "system", f"import:{result.pk}"),
        ("research", None, "withdrawn", "system", f"import:{result.pk}"),
    ]
    verification = ledger_verified()
    assert verification.intact and verification.drift is None
    # An event recorded afterwards chains onto the bulk-written ones.
    record(maria, "research", "granted", channel="phone")
    assert ledger_verified(subject=maria).intact
    # Re-importing (another file, same people) writes no second withdrawal.
    assert import_file(b"email\r\nmaria@example.se\r\n").withdrawals == 0


def test_a_scoped_import_withdraws_only_its_scope(import_file):
    maria = subject_for("maria@example.se")
    result = import_file(b"email\nmaria@example.se\n", purpose="marketing_own", channel="email")
    assert result.withdrawals == 1
    assert list(ConsentEvent.objects.filter(subject=maria).values_list("purpose_id", "channel")) == [
        ("marketing_own", "email")
    ]
    entry = SuppressionEntry.objects.get()
    assert (entry.purpose, entry.channel, entry.reason) == ("marketing_own", "email", "import")


def test_after_the_subject_is_erased_the_suppression_still_blocks(import_file):
    maria = subject_for("maria@example.se")
    record(maria, "primary_use", source="registration")
    record(maria, "marketing_own", "granted", channel="email")
    import_file(b"email\nmaria@example.se\n")
    maria.erased_at = maria.created_at
    maria.save(update_fields=["erased_at"])
    [decision] = consent_decisions(purpose="marketing_own", channel="email", identifiers=["maria@example.se"])
    assert (decision.allowed, decision.reason) == (False, Reason.ERASED)
    # The entry outlives the person: their address is blocked even once nothing links it to them.
    assert SuppressionEntry.objects.filter(identifier_digest=email_digest("maria@example.se")).exists()
    maria.email_digest = None
    maria.save(update_fields=["email_digest"])
    [decision] = consent_decisions(purpose="marketing_own", channel="email", identifiers=["maria@example.se"])
    assert (decision.allowed, decision.reason) == (False, Reason.SUPPRESSED)


def test_an_erased_persons_address_in_an_import_is_suppressed_without_ledger_events(import_file):
    maria = subject_for("maria@example.se")
    maria.erased_at = maria.created_at
    maria.save(update_fields=["erased_at"])
    result = import_file(b"email\nmaria@example.se\n")
    assert (result.added, result.withdrawals) == (1, 0)


def test_an_imports_entries_name_their_file_and_carry_no_note(import_file):
    result = import_file(b"email\nann@example.com\n", name="bounces.csv", reason="bounce")
    entry = SuppressionEntry.objects.get()
    assert (entry.source, entry.note, entry.created_by) == ("Import of bounces.csv", "", f"system:import:{result.pk}")


def test_the_imports_log_line_says_how_long_each_step_took(import_file, caplog):
    subject_for("maria@example.se")
    started = time.perf_counter()
    with caplog.at_level(logging.INFO, logger="consent.suppression.import_run"):
        import_file(b"email\nmaria@example.se\nann@example.com\n")
    took = time.perf_counter() - started
    [line] = [entry for entry in caplog.records if entry.getMessage().startswith("Suppression import")]
    assert list(line.timings) == [
        "read, hashed and copied",
        "known people found",
        "unknown addresses merged",
        "known people's entries and events, after that",
    ]
    assert all(0 <= seconds <= took for seconds in line.timings.values()), line.timings


def test_the_uploaded_file_is_not_kept_after_its_import(import_file):
    result = import_file(b"email\nann@example.com\n")
    assert not result.file


def test_management_command(tmp_path, capsys):
    path = tmp_path / "unsubscribed.csv"
    path.write_bytes(b"Email Address\nann@example.com\nnope\n")
    call_command("import_suppressions", str(path), "--reason", "complaint")
    out = capsys.readouterr().out
    assert "2 rows read, 1 added, 0 already present, 1 rejected" in out
    assert SuppressionEntry.objects.get().reason == "complaint"
    call_command("import_suppressions", str(path))
    assert "Already imported" in capsys.readouterr().out


def test_the_upload_schedules_the_task_after_commit(django_capture_on_commit_callbacks):
    from unittest import mock

    with mock.patch("consent.suppression.imports.import_suppressions_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            record_, created = suppression_import_create(
                upload=ContentFile(b"email\na@example.com\n", name="a.csv"), file_name="a.csv", actor=Actor.system("t")
            )
    assert created
    delay.assert_called_once_with(record_.pk)


def test_a_file_longer_than_a_progress_step_reports_progress_and_finishes(import_file, monkeypatch):
    import consent.suppression.import_run as import_run

    monkeypatch.setattr(import_run, "PROGRESS_EVERY", 3)
    saved = []
    original = import_run._Progress.save

    def spy(self, *, force=False, **fields):
        saved.append(fields.get("rows_read"))
        return original(self, force=True, **fields)

    monkeypatch.setattr(import_run._Progress, "save", spy)
    lines = b"".join(f"p{n}@example.com\n".encode() for n in range(10))
    result = import_file(b"email\n" + lines)
    assert (result.status, result.added) == ("done", 10)
    assert [3, 6, 9] == [n for n in saved if n in (3, 6, 9)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_known_people_in_many_batches_are_written_by_two_connections_and_every_chain_holds(monkeypatch, settings):
    import consent.suppression.services as services
    from consent.suppression.import_run import suppression_import_run

    monkeypatch.setattr(services, "BULK_LOCK_LIMIT", 3)
    threads = []
    real_merge = services._known_batch_merge

    def spy(batch, **kwargs):
        threads.append(threading.get_ident())
        return real_merge(batch, **kwargs)

    monkeypatch.setattr(services, "_known_batch_merge", spy)
    people = [subject_for(f"k{n}@example.com") for n in range(20)]
    record(people[0], "research", "withdrawn")  # already withdrawn: no second research withdrawal
    data = b"email\n" + b"".join(f"k{n}@example.com\nnew{n}@example.org\n".encode() for n in range(20))
    upload, _created = suppression_import_create(
        upload=ContentFile(data, name="l.csv"), file_name="l.csv", actor=Actor.system("t"), schedule=False
    )
    result = suppression_import_run(import_id=upload.pk)
    assert (result.status, result.rows_read, result.added, result.withdrawals) == ("done", 40, 40, 59)
    # Seven batches of three, none on the importing thread's connection.
    assert len(threads) == 7 and threading.get_ident() not in threads and len(set(threads)) <= 2
    verification = ledger_verified()
    assert (verification.intact, verification.drift) == (True, None)
    assert ConsentEvent.objects.filter(source="import").count() == 59
    again, _created = suppression_import_create(
        upload=ContentFile(data + b"\n", name="m.csv"), file_name="m.csv", actor=Actor.system("t"), schedule=False
    )
    assert (suppression_import_run(import_id=again.pk).added, ConsentEvent.objects.count()) == (0, 60)

import hashlib
import io
import threading
import time

import pytest
from django.core.exceptions import ValidationError

from consent.accounts.identity import email_digest, phone_digest
from consent.decisions.rules import Reason, consent_decisions
from consent.ledger.models import ConsentEvent
from consent.ledger.services import BULK_LOCK_LIMIT, Actor, consent_record_many
from consent.suppression import services
from consent.suppression.models import SuppressionEntry
from consent.suppression.services import subject_take_off_marketing, suppression_add
from tests.api.helpers import error_field
from tests.factories import UserFactory, ledger_verified, record, subject_for

pytestmark = pytest.mark.django_db


def test_canonicalisation_and_hashing_are_the_ledgers():
    """The entry for any spelling of an address has the digest of the person's Subject."""
    maria = subject_for("maria@example.se")
    suppression_add(identifiers=["  MARIA@Example.SE "], reason="import", source="t", actor=Actor.system())
    entry = SuppressionEntry.objects.get()
    assert bytes(entry.identifier_digest) == bytes(maria.email_digest) == email_digest("maria@example.se")
    # A SHA-256 of the canonical address, as lists are exchanged, names the same person.
    sha = hashlib.sha256(b"maria@example.se").hexdigest()
    assert suppression_add(identifiers=[sha], reason="import", source="t", actor=Actor.system()).added == 0


def test_phone_numbers_are_e164_digests():
    suppression_add(identifiers=["+46 70-123 45 67"], channel="phone", reason="legal", source="t", actor=Actor.system())
    entry = SuppressionEntry.objects.get()
    assert (bytes(entry.identifier_digest), entry.channel) == (phone_digest("+46701234567"), "phone")


def test_the_address_is_never_stored():
    suppression_add(identifiers=["secret.person@example.com"], reason="import", source="t", actor=Actor.system())
    entry = SuppressionEntry.objects.values().get()
    assert not any("secret.person" in str(value) for value in entry.values())


def test_one_bad_identifier_refuses_the_call():
    with pytest.raises(ValidationError) as caught:
        suppression_add(identifiers=["a@example.com", "nope"], reason="import", source="t", actor=Actor.system())
    assert "Item 1" in caught.value.message_dict["identifiers"][0]
    assert not SuppressionEntry.objects.exists()


def test_a_scope_must_make_sense():
    with pytest.raises(ValidationError) as caught:
        suppression_add(identifiers=["a@example.com"], purpose="cookies_analytics", reason="import", source="t",
                        actor=Actor.system())  # fmt: skip
    assert "purpose" in caught.value.message_dict
    with pytest.raises(ValidationError):
        suppression_add(identifiers=["a@example.com"], purpose="research", channel="postal", reason="import",
                        source="t", actor=Actor.system())  # fmt: skip


def test_a_known_person_gets_a_withdrawal_recorded_with_the_actor():
    maria = subject_for("maria@example.se")
    staff = UserFactory(is_staff=True)
    result = suppression_add(
        identifiers=["maria@example.se"], channel="email", reason="complaint", source="t", actor=Actor.staff(staff)
    )
    assert (result.added, result.withdrawals) == (1, 3)
    events = ConsentEvent.objects.filter(subject=maria)
    assert {(e.purpose_id, e.channel, e.decision, e.actor_type, e.actor_id) for e in events} == {
        (purpose, "email", "withdrawn", "staff", str(staff.pk))
        for purpose in ("marketing_own", "marketing_third_party", "research")
    }
    assert SuppressionEntry.objects.get().created_by == f"staff:{staff.pk}"


def test_bulk_events_interleave_with_single_ones_in_one_chain():
    people = [subject_for(f"p{n}@example.com") for n in range(5)]
    for person in people:
        record(person, "primary_use", source="registration")
    written = consent_record_many(
        subject_ids=[p.pk for p in people], choices=[("marketing_own", "email"), ("research", None)],
        decision="withdrawn", source="import", actor=Actor.system("t"),
    )  # fmt: skip
    assert written == 10
    record(people[0], "marketing_own", "granted", channel="email")
    verification = ledger_verified()
    assert (verification.intact, verification.drift, verification.events_checked) == (True, None, 16)
    [decision] = consent_decisions(purpose="marketing_own", channel="email", identifiers=["p1@example.com"])
    assert (decision.allowed, decision.reason) == (False, Reason.WITHDRAWN)


def test_bulk_events_refuse_more_people_than_a_transaction_may_lock():
    with pytest.raises(ValueError, match="At most"):
        consent_record_many(
            subject_ids=list(range(BULK_LOCK_LIMIT + 1)), choices=[("research", None)], decision="withdrawn",
            source="import", actor=Actor.system(),
        )  # fmt: skip


def test_more_known_people_than_one_batch(settings, monkeypatch):
    import consent.suppression.services as services

    monkeypatch.setattr(services, "BULK_LOCK_LIMIT", 3)
    addresses = [f"k{n}@example.com" for n in range(8)]
    for address in addresses:
        subject_for(address)
    result = suppression_add(identifiers=[*addresses, "x@example.com"], purpose="marketing_own", reason="import",
                             source="t", actor=Actor.system())  # fmt: skip
    assert (result.added, result.withdrawals) == (9, 8)
    assert ledger_verified().intact


def test_a_representative_takes_a_person_off_marketing_with_a_note():
    maria = subject_for("maria@example.se")
    rep = UserFactory(is_staff=True)
    with pytest.raises(ValidationError):
        subject_take_off_marketing(subject=maria, channel=None, note="  ", user=rep)
    subject_take_off_marketing(subject=maria, channel="phone", note="Asked by phone", user=rep)
    entry = SuppressionEntry.objects.get()
    assert (entry.reason, entry.channel, entry.note, entry.created_by) == (
        "representative",
        "phone",
        "Asked by phone",
        f"staff:{rep.pk}",
    )
    assert set(ConsentEvent.objects.filter(subject=maria).values_list("source", "actor_id", "channel")) == {
        ("representative", str(rep.pk), "phone")
    }
    [decision] = consent_decisions(purpose="marketing_own", channel="phone", identifiers=[str(maria.pk)])
    assert decision.reason == Reason.SUPPRESSED


def test_a_person_without_an_address_is_taken_off_by_ledger_withdrawals():
    from consent.accounts.services import subject_get_or_create

    person = subject_get_or_create(external_id="crm-1")
    subject_take_off_marketing(subject=person, channel=None, note="Letter", user=UserFactory(is_staff=True))
    assert not SuppressionEntry.objects.exists()
    assert ConsentEvent.objects.filter(subject=person, decision="withdrawn").count() == 3


# ---------------------------------------------------------------------------- API
def test_api_adds_entries_and_is_idempotent(api_key_client):
    client = api_key_client("suppression:write")
    maria = subject_for("maria@example.se")
    body = {
        "identifiers": ["maria@example.se", "+46701234567", "x@example.com"],
        "channel": "email",
        "reason": "bounce",
    }
    body["channel"] = None
    response = client.post("/api/v1/suppressions/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"added": 3, "already_present": 0, "withdrawals": 3}
    assert ConsentEvent.objects.filter(subject=maria, source="api", actor_type="api_key").count() == 3
    again = client.post("/api/v1/suppressions/", body, format="json")
    assert again.json() == {"added": 0, "already_present": 3, "withdrawals": 0}


def test_api_names_the_bad_identifier(api_key_client):
    client = api_key_client("suppression:write")
    response = client.post("/api/v1/suppressions/", {"identifiers": ["ok@example.com", "nope"]}, format="json")
    assert error_field(response) == "identifiers"


def test_api_needs_the_write_scope(api_key_client):
    response = api_key_client("suppression:read").post(
        "/api/v1/suppressions/", {"identifiers": ["a@example.com"]}, format="json"
    )
    assert response.status_code == 403


def test_a_choice_already_withdrawn_is_not_withdrawn_again():
    maria = subject_for("maria@example.se")
    record(maria, "marketing_own", "withdrawn")
    record(maria, "research", "withdrawn", channel="email")
    result = suppression_add(identifiers=["maria@example.se"], reason="import", source="t", actor=Actor.system())
    assert result.withdrawals == 2  # marketing_third_party and research as a whole; marketing_own stood
    assert ledger_verified(subject=maria).intact


def test_a_bad_identifier_and_an_unknown_reason_are_refused_in_words():
    with pytest.raises(ValidationError) as refused:
        suppression_add(identifiers=["room 101"], reason="import", source="t", actor=Actor.system())
    assert refused.value.message_dict == {
        "identifiers": [
            "Item 0 ('room 101'): Expected an email address, a phone number in international format or a SHA-256 hash."
        ]
    }
    with pytest.raises(ValidationError) as refused:
        suppression_add(identifiers=["a@example.com"], reason="spam", source="t", actor=Actor.system())
    assert refused.value.message_dict["reason"][0].startswith("Must be one of: unsubscribe_link, ")


def test_a_long_source_and_actor_are_cut_to_what_the_entry_keeps():
    suppression_add(identifiers=["a@example.com"], reason="import", source="s" * 250, actor=Actor.system("n" * 120))
    entry = SuppressionEntry.objects.get()
    assert (entry.source, entry.created_by) == ("s" * 200, ("system:" + "n" * 120)[:100])


@pytest.mark.parametrize(("known", "steps"), [(8, [0, 3 / 8, 6 / 8, 1.0]), (0, [1])])
def test_the_merge_reports_its_progress_batch_by_batch(monkeypatch, known, steps):
    from django.db import connection

    import consent.suppression.services as services

    monkeypatch.setattr(services, "BULK_LOCK_LIMIT", 3)
    addresses = [f"k{n}@example.com" for n in range(known)]
    for address in addresses:
        subject_for(address)
    reported = []
    with connection.cursor() as cursor:
        services.staging_create(cursor)
        for address in [*addresses, "stranger@example.com"]:
            cursor.execute("INSERT INTO suppression_staging (digest) VALUES (%s)", [email_digest(address)])
    result = services.staging_merge(
        purpose="marketing_own", channel=None, reason="import", source="t", actor=Actor.system(),
        ledger_source=ConsentEvent.Source.IMPORT, progress=reported.append,
    )  # fmt: skip
    assert reported == steps
    assert (result.valid, result.added, result.withdrawals) == (known + 1, known + 1, known)


def test_when_every_known_people_writer_fails_the_error_is_raised_not_waited_on(monkeypatch):
    # Both writers fail on their first batch while more are queued: the import must stop
    # with the error (and be re-run, idempotently), never hang on a queue nobody reads.
    def merge_batch(batch):
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        with services.KnownWriters(merge_batch, iter([[("s", b"d")]] * 6), 2) as writers:
            list(writers.results())


def test_a_national_phone_number_is_read_in_the_region_given():
    suppression_add(identifiers=["070-123 45 67"], channel="phone", region="SE", reason="legal", source="t",
                    actor=Actor.system())  # fmt: skip
    assert bytes(SuppressionEntry.objects.get().identifier_digest) == phone_digest("+46701234567")


def test_items_that_are_not_text_are_refused_in_words_and_only_the_first_twenty_listed():
    expected = "Expected an email address, a phone number in international format or a SHA-256 hash."
    with pytest.raises(ValidationError) as refused:
        suppression_add(identifiers=[46701234567, None, *["nope"] * 30], reason="import", source="t",
                        actor=Actor.system())  # fmt: skip
    messages = refused.value.message_dict["identifiers"]
    assert messages[:3] == [f"Item 0 (46701234567): {expected}", f"Item 1 (None): {expected}",
                            f"Item 2 ('nope'): {expected}"]  # fmt: skip
    assert len(messages) == 20
    assert not SuppressionEntry.objects.exists()


def test_the_note_is_kept_with_the_entry_and_an_unnamed_actor_is_named_by_its_kind():
    suppression_add(identifiers=["a@example.com"], reason="legal", source="t", actor=Actor.system(),
                    note="Court order 12")  # fmt: skip
    suppression_add(identifiers=["b@example.com"], reason="legal", source="t", actor=Actor.system())
    assert sorted(SuppressionEntry.objects.values_list("note", "created_by")) == [
        ("", "system"),
        ("Court order 12", "system"),
    ]


# ---------------------------------------------------------------------------- representative
@pytest.mark.parametrize("note", [None, "", "  \n"])
def test_taking_someone_off_marketing_needs_a_note_saying_why(note):
    maria = subject_for("maria@example.se")
    with pytest.raises(ValidationError) as refused:
        subject_take_off_marketing(subject=maria, channel=None, note=note, user=UserFactory(is_staff=True))
    assert refused.value.message_dict == {"note": ["Say why: the note is kept with the entry."]}
    assert not SuppressionEntry.objects.exists()
    assert not ConsentEvent.objects.filter(subject=maria).exists()


def test_an_erased_person_is_not_taken_off_marketing_they_are_on_no_list():
    maria = subject_for("maria@example.se")
    maria.erased_at = maria.created_at
    maria.save(update_fields=["erased_at"])
    with pytest.raises(ValidationError) as refused:
        subject_take_off_marketing(subject=maria, channel=None, note="Letter", user=UserFactory(is_staff=True))
    assert refused.value.message_dict == {"subject": ["This person's data has been erased; they are on no list."]}
    assert not SuppressionEntry.objects.exists()


def test_a_representatives_entry_names_its_source():
    maria = subject_for("maria@example.se")
    result = subject_take_off_marketing(subject=maria, channel=None, note="Letter", user=UserFactory(is_staff=True))
    assert (result.added, result.withdrawals) == (1, 3)
    assert SuppressionEntry.objects.get().source == "Customer representative"


def test_a_person_without_an_address_is_taken_off_one_channel_by_ledger_withdrawals():
    from consent.accounts.services import subject_get_or_create

    person = subject_get_or_create(external_id="crm-1")
    rep = UserFactory(is_staff=True)
    result = subject_take_off_marketing(subject=person, channel="postal", note="Letter", user=rep)
    assert (result.valid, result.added, result.withdrawals) == (0, 0, 2)
    # Research contacts no one by post: the two marketing purposes, on that channel only.
    assert set(
        ConsentEvent.objects.filter(subject=person).values_list(
            "purpose_id", "channel", "decision", "source", "actor_type", "actor_id"
        )
    ) == {
        (purpose, "postal", "withdrawn", "representative", "staff", str(rep.pk))
        for purpose in ("marketing_own", "marketing_third_party")
    }


# ---------------------------------------------------------------------------- uploads and writers
def test_a_files_sha256_covers_every_chunk_and_leaves_the_file_to_be_read_from_its_start():
    data = bytes(range(256)) * (12 * 1024)  # 3 MiB: more than one read
    upload = io.BytesIO(data)
    assert services.file_sha256(upload) == hashlib.sha256(data).hexdigest()
    assert upload.read() == data


def test_after_one_writers_error_the_others_take_no_more_batches():
    # The import stops soon after an error instead of writing the rest of the file first.
    written = []

    def merge_batch(batch):
        if batch == "first":
            raise RuntimeError("the database went away")
        time.sleep(0.02)
        written.append(batch)
        return 1, 0, 1

    with pytest.raises(RuntimeError, match="went away"):
        with services.KnownWriters(merge_batch, iter(["first", *range(50)]), 2) as writers:
            list(writers.results())
    assert len(written) < 25


def test_leaving_on_an_error_waits_for_the_batches_being_written():
    # No writer goes on writing after the merge gave up: a re-run would race it.
    started, finished = [], []
    writing = threading.Event()

    def merge_batch(batch):
        started.append(batch)
        writing.set()
        time.sleep(0.3)
        finished.append(batch)
        return 1, 0, 1

    with pytest.raises(RuntimeError, match="merge failed"):
        with services.KnownWriters(merge_batch, iter(range(10)), 2):
            assert writing.wait(5)
            raise RuntimeError("the unknown addresses' merge failed")
    assert finished and sorted(finished) == sorted(started)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_copy_left_on_an_error_stages_nothing_from_it():
    # Outside a transaction (as an import stages) the COPY is cancelled, not finished with
    # the rows written before the error.
    from django.db import connection

    with connection.cursor() as cursor:
        services.staging_create(cursor)
        try:
            with services.StagingWriter(cursor) as staging:
                staging.write_many([email_digest("a@example.com"), email_digest("b@example.com")])
            with pytest.raises(RuntimeError, match="unreadable"):
                with services.StagingWriter(cursor) as staging:
                    staging.write_many([email_digest("c@example.com")])
                    raise RuntimeError("the file turned unreadable")
            cursor.execute("SELECT count(*) FROM suppression_staging")
            assert cursor.fetchone()[0] == 2
        finally:
            services.staging_drop(cursor)

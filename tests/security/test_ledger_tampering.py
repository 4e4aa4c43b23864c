"""Issue 7, item 4: what an outside tester did to the ledger with its triggers disabled (as its
owner or a superuser can), and verify_ledger reported "intact" each time. Now each one
makes `verify_ledger` exit non-zero naming the damage, against the latest stored checkpoint
or an exported checkpoint file."""

import base64
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from consent.ledger import signing
from consent.ledger.chain import Evidence, ledger_verify
from consent.ledger.checkpoints import describe, statement
from consent.ledger.models import ConsentEvent, LedgerCheckpoint
from consent.ledger.services import LedgerInconsistent, ledger_checkpoint_take
from tests.factories import record, subject_for
from tests.ledger.tampering import LEDGER_TABLES, rewrite_chain_from, tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tmp_path):
    """Three people's chains, a signed checkpoint of them, and its exported file."""
    ada, ben, cy = (subject_for(f"{name}@example.com") for name in ("ada", "ben", "cy"))
    for person in (ada, ben, cy):
        record(person, "primary_use", source="registration", evidence=Evidence(ip_address="192.0.2.4", language="en"))
        record(person, "marketing_own", "granted", channel="email")
        record(person, "marketing_own", "withdrawn", channel="email")
    path = tmp_path / "checkpoint.json"
    call_command("ledger_checkpoint", "--export", str(path), stdout=io.StringIO())
    return {"ada": ada, "ben": ben, "cy": cy, "file": path}


def verify_fails(*args) -> str:
    """Run verify_ledger; it must fail (a CommandError is exit status 1), and say so plainly."""
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger", *args, stdout=io.StringIO())
    message = str(raised.value)
    assert message.startswith("The ledger is NOT intact")
    assert "rewrites the current state from the events" not in message  # never a rebuild over damage
    return message


def last_event(subject) -> ConsentEvent:
    return ConsentEvent.objects.filter(subject=subject).latest("id")


def test_the_untouched_ledger_passes_against_the_database_and_the_file(ledger):
    out = io.StringIO()
    call_command("verify_ledger", "--checkpoint", str(ledger["file"]), stdout=out)
    assert "Ledger intact: 9 events in 3 chains verified against checkpoint #" in out.getvalue()


def test_truncating_every_ledger_table_is_not_intact(ledger):
    tamper(("TRUNCATE ledger_consentevidence, ledger_consentstate, ledger_currentchoices, ledger_consentevent", []))
    message = verify_fails()
    for person in ("ada", "ben", "cy"):
        assert f"the chain of subject {ledger[person].pk} is missing: checkpoint #" in message
        assert "recorded 3 events" in message


def test_truncating_the_checkpoints_too_is_caught_by_the_exported_file(ledger):
    tamper((f"TRUNCATE {', '.join(LEDGER_TABLES)}", []))
    data = json.loads(ledger["file"].read_text())
    message = verify_fails("--checkpoint", str(ledger["file"]))
    assert f"checkpoint #{data['checkpoint']} of {data['taken_at']} is not in the database" in message
    assert f"the ledger holds 0 events up to event #{data['last_event_id']}" in message
    assert "recorded 9: 9 are missing" in message
    assert "0 chains have events up to there" in message


def test_deleting_a_whole_persons_chain(ledger):
    ben = ledger["ben"]
    tamper(
        ("DELETE FROM ledger_consentevidence USING ledger_consentevent e WHERE event_id = e.id AND e.subject_id = %s", [ben.pk]),
        ("DELETE FROM ledger_consentstate WHERE subject_id = %s", [ben.pk]),
        ("DELETE FROM ledger_currentchoices WHERE subject_id = %s", [ben.pk]),
        ("DELETE FROM ledger_consentevent WHERE subject_id = %s", [ben.pk]),
    )  # fmt: skip
    message = verify_fails()
    assert f"the chain of subject {ben.pk} is missing: checkpoint #" in message
    assert "recorded 3 events" in message and "none is left" in message
    assert str(ledger["ada"].pk) not in message


def test_deleting_a_persons_last_event(ledger):
    cy = ledger["cy"]
    last = last_event(cy)
    grant = ConsentEvent.objects.get(subject=cy, purpose="marketing_own", decision="granted")
    # Done well: the current state is pointed back at the event before, so it agrees with what is left.
    tamper(
        ("DELETE FROM ledger_consentevidence WHERE event_id = %s", [last.pk]),
        ("DELETE FROM ledger_consentevent WHERE id = %s", [last.pk]),
        ("UPDATE ledger_consentstate SET decision = 'granted', event_id = %s WHERE event_id = %s", [grant.pk, last.pk]),
    )  # fmt: skip
    message = verify_fails()
    assert f"the chain of subject {cy.pk} has 2 events up to event #{last.pk}, checkpoint #" in message
    assert f"recorded 3: 1 missing, among them event #{last.pk}, its last event then" in message
    assert "Do not rebuild the current state" in message


def test_editing_an_event_and_rehashing_the_rest_of_its_chain(ledger):
    ada = ledger["ada"]
    withdrawal = last_event(ada)
    granted = ConsentEvent.objects.filter(subject=ada, purpose="marketing_own", decision="granted").get()
    # The grant becomes a withdrawal... and every hash after it is recomputed, so the chain
    # verifies by itself. Only the checkpoint's recorded head gives it away.
    rewrite_chain_from(granted, decision="withdrawn")
    message = verify_fails()
    assert f"the chain of subject {ada.pk} was rewritten: event #{withdrawal.pk} no longer has the hash" in message
    assert "was altered" not in message  # every hash recomputes: only the anchor can tell


def test_deleting_the_evidence_of_people_never_erased(ledger):
    tamper(("DELETE FROM ledger_consentevidence", []))
    message = verify_fails()
    for person in ("ada", "ben", "cy"):
        assert f"the evidence of 3 events of subject {ledger[person].pk} is missing" in message
    assert message.count("and it was never erased") == 3


def test_faking_an_erasure_to_explain_deleted_evidence(ledger):
    ada = ledger["ada"]
    tamper(
        ("UPDATE accounts_subject SET erased_at = now() WHERE id = %s", [ada.pk]),
        ("DELETE FROM ledger_consentevidence USING ledger_consentevent e WHERE event_id = e.id AND e.subject_id = %s", [ada.pk]),
    )  # fmt: skip
    message = verify_fails()
    first = ConsentEvent.objects.filter(subject=ada).earliest("id")
    assert (
        f"the evidence of 3 events of subject {ada.pk} is missing (first: event #{first.pk}), and it is marked "
        "erased, but no erasure of its evidence was recorded (ledger_evidence_erase)"
    ) in message


def test_editing_the_stored_chain_heads_is_caught_by_the_signed_root(ledger):
    ben = ledger["ben"]
    tamper(("UPDATE ledger_chainhead SET length = 2 WHERE subject_id = %s", [ben.pk]))
    message = verify_fails()
    assert "no longer hash to its signed root" in message and "the ledger_chainhead table was altered" in message


def test_editing_the_stored_checkpoint_is_caught_by_its_signature(ledger):
    tamper(("UPDATE ledger_ledgercheckpoint SET events = 8", []))
    assert "does not match its signature: the checkpoint row was altered or forged" in verify_fails()


def test_an_edited_stored_checkpoint_is_named_against_the_exported_file(ledger):
    data = json.loads(ledger["file"].read_text())
    tamper(("UPDATE ledger_ledgercheckpoint SET events = 8", []))
    stored = LedgerCheckpoint.objects.get(pk=data["checkpoint"])
    message = verify_fails("--checkpoint", str(ledger["file"]))
    assert f"the database's {describe(stored)} differs from the file's: the checkpoint row was altered" in message


def test_a_checkpoint_signed_with_another_key_is_not_trusted(ledger):
    # The attacker's own checkpoint over a ledger cut short, signed with the attacker's key.
    cy = ledger["cy"]
    forger = Ed25519PrivateKey.generate()
    last = last_event(cy)
    tamper(
        ("DELETE FROM ledger_consentevidence WHERE event_id = %s", [last.pk]),
        ("DELETE FROM ledger_consentevent WHERE id = %s", [last.pk]),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('ledger_ledgercheckpoint', 'id'))")
        forged = LedgerCheckpoint(pk=cursor.fetchone()[0], taken_at=timezone.now(), chains=3, events=8,
                                  last_event_id=last.pk - 1, root="0" * 64,
                                  key_id=signing.key_id(signing.public_key_raw(forger)))  # fmt: skip
    forged.signature = signing.sign(forger, statement(forged))
    forged.save(force_insert=True)
    message = verify_fails()
    assert f"is signed with key {forged.key_id}, which this installation does not trust" in message


@pytest.mark.parametrize("field", ["root", "events", "signature"])
def test_a_checkpoint_file_with_a_forged_root_or_signature_is_refused(ledger, field):
    data = json.loads(ledger["file"].read_text())
    data[field] = {
        "root": "f" * 64,
        "events": data["events"] - 1,
        "signature": base64.b64encode(b"\0" * 64).decode(),
    }[field]
    ledger["file"].write_text(json.dumps(data))
    message = verify_fails("--checkpoint", str(ledger["file"]))
    assert "the checkpoint file is refused: its signature does not match its contents" in message
    # Only the refusal: a refused file is not compared with the database's checkpoints.
    problems = ledger_verify(checkpoint_file=data).problems
    assert len(problems) == 1 and problems[0].startswith("the checkpoint file is refused: ")


def test_a_checkpoint_file_re_signed_with_the_forgers_own_key_is_refused(ledger):
    data = json.loads(ledger["file"].read_text())
    forger = Ed25519PrivateKey.generate()
    public_raw = signing.public_key_raw(forger)
    data.update(root="f" * 64, key_id=signing.key_id(public_raw), public_key=base64.b64encode(public_raw).decode())
    data["signature"] = signing.sign(forger, data)
    ledger["file"].write_text(json.dumps(data))
    message = verify_fails("--checkpoint", str(ledger["file"]))
    assert f"it is signed with key {data['key_id']}, which is not a key this verifier trusts" in message


def test_a_new_checkpoint_refuses_to_vouch_for_a_tampered_ledger(ledger):
    ben = ledger["ben"]
    tamper(
        ("DELETE FROM ledger_consentevidence USING ledger_consentevent e WHERE event_id = e.id AND e.subject_id = %s", [ben.pk]),
        ("DELETE FROM ledger_consentevent WHERE subject_id = %s", [ben.pk]),
    )  # fmt: skip
    before = LedgerCheckpoint.objects.count()
    with pytest.raises(LedgerInconsistent, match=f"the chain of subject {ben.pk} is missing"):
        ledger_checkpoint_take()
    with pytest.raises(CommandError, match="Checkpoint refused"):
        call_command("ledger_checkpoint", stdout=io.StringIO())
    assert LedgerCheckpoint.objects.count() == before

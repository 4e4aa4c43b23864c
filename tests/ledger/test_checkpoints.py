"""Signed checkpoints: what they record, that the root is the documented one, the beat task,
the command and its exported file, and the offline check of that file."""

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from consent.ledger import signing
from consent.ledger.checkpoints import checkpoint_file, signing_key, statement
from consent.ledger.models import ChainHead, LedgerCheckpoint
from consent.ledger.services import ledger_checkpoint_take
from consent.ledger.tasks import take_ledger_checkpoint_task
from tests.factories import record, subject_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def documented_root(checkpoint: LedgerCheckpoint) -> str:
    """The root as consent.ledger.checkpoints documents it, computed independently in Python."""
    heads = {}
    for head in ChainHead.objects.filter(checkpoint__lte=checkpoint.pk).order_by("checkpoint_id"):
        heads[head.subject_id] = head  # the highest checkpoint's row wins
    buckets: dict[int, list[bytes]] = {}
    for subject_id in sorted(heads, key=lambda s: s.bytes):
        head = heads[subject_id]
        leaf = hashlib.sha256(
            subject_id.bytes
            + head.length.to_bytes(8, "big")
            + head.head_event_id.to_bytes(8, "big")
            + head.head_hash.encode()
        ).digest()
        buckets.setdefault(subject_id.bytes[0], []).append(leaf)
    digests = b"".join(hashlib.sha256(b"".join(buckets[b])).digest() for b in sorted(buckets))
    return hashlib.sha256(digests).hexdigest()


def test_a_checkpoint_records_every_chains_length_and_head_and_signs_them():
    ann, bo = subject_for("ann@example.com"), subject_for("bo@example.com")
    record(ann, "primary_use", source="registration")
    ann_last = record(ann, "research", "withdrawn", channel="email")
    bo_last = record(bo, "primary_use", source="registration")

    checkpoint = ledger_checkpoint_take()

    assert (checkpoint.chains, checkpoint.events, checkpoint.last_event_id) == (2, 3, bo_last.pk)
    heads = {h.subject_id: (h.length, h.head_event_id, h.head_hash) for h in ChainHead.objects.all()}
    assert heads == {ann.pk: (2, ann_last.pk, ann_last.hash), bo.pk: (1, bo_last.pk, bo_last.hash)}
    assert checkpoint.root == documented_root(checkpoint)
    public_raw = signing.public_key_raw(signing_key())
    assert checkpoint.key_id == hashlib.sha256(public_raw).hexdigest()
    assert signing.signature_valid(public_raw, statement(checkpoint), checkpoint.signature)


def test_an_empty_ledger_has_the_root_of_nothing():
    checkpoint = ledger_checkpoint_take()
    assert (checkpoint.chains, checkpoint.events, checkpoint.last_event_id) == (0, 0, 0)
    assert checkpoint.root == hashlib.sha256(b"").hexdigest()


def test_the_next_checkpoint_writes_only_the_chains_that_grew():
    ann, bo = subject_for("ann@example.com"), subject_for("bo@example.com")
    record(ann, "primary_use", source="registration")
    record(bo, "primary_use", source="registration")
    first = ledger_checkpoint_take()
    latest = record(bo, "research", "granted", channel="email")

    second = ledger_checkpoint_take()

    assert list(ChainHead.objects.filter(checkpoint=second).values_list("subject_id", "length", "head_event_id")) == [
        (bo.pk, 2, latest.pk)
    ]
    assert (second.chains, second.events) == (2, 3)
    assert second.root == documented_root(second) != first.root
    # Nothing new: the next one restates the same root with a fresh time and no rows.
    third = ledger_checkpoint_take()
    assert third.root == second.root and not ChainHead.objects.filter(checkpoint=third).exists()


def test_the_beat_schedule_takes_one_every_hour_through_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["take-ledger-checkpoint"]
    assert entry["task"] == take_ledger_checkpoint_task.name == "consent.ledger.tasks.take_ledger_checkpoint_task"
    assert entry["schedule"].minute == {7} and len(entry["schedule"].hour) == 24
    record(subject_for("ann@example.com"), "primary_use", source="registration")
    checkpoint_id = take_ledger_checkpoint_task()
    assert LedgerCheckpoint.objects.get(pk=checkpoint_id).events == 1


def test_the_command_exports_a_small_signed_file(tmp_path):
    record(subject_for("ann@example.com"), "primary_use", source="registration")
    path = tmp_path / "checkpoint.json"
    out = io.StringIO()
    call_command("ledger_checkpoint", "--export", str(path), stdout=out)
    checkpoint = LedgerCheckpoint.objects.get()
    data = json.loads(path.read_text())
    assert data == checkpoint_file(checkpoint)
    assert set(data) == {*signing.SIGNED_FIELDS, "signature", "public_key"}
    assert data["events"] == 1 and data["key_id"] == checkpoint.key_id
    assert f"Took checkpoint #{checkpoint.pk}" in out.getvalue() and f"Exported to {path}" in out.getvalue()


def test_the_command_shows_the_key_to_record():
    out = io.StringIO()
    call_command("ledger_checkpoint", "--key", stdout=out)
    public_raw = signing.public_key_raw(signing_key())
    assert f"public key:  {base64.b64encode(public_raw).decode()}" in out.getvalue()
    assert f"fingerprint: {signing.key_id(public_raw)}" in out.getvalue()
    assert not LedgerCheckpoint.objects.exists()


def _offline_check(path: Path, key_id: str) -> subprocess.CompletedProcess:
    # No settings and no database: what a privacy officer's own machine has.
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "-m", "consent.ledger.signing", str(path), "--key-id", key_id],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_file_checks_offline_and_an_altered_one_is_refused(tmp_path):
    record(subject_for("ann@example.com"), "primary_use", source="registration")
    path = tmp_path / "checkpoint.json"
    call_command("ledger_checkpoint", "--export", str(path), stdout=io.StringIO())
    key_id = LedgerCheckpoint.objects.get().key_id

    genuine = _offline_check(path, key_id)
    assert genuine.returncode == 0, genuine.stderr
    assert "Genuine: checkpoint #" in genuine.stdout and "1 events in 1 chains" in genuine.stdout

    assert _offline_check(path, "0" * 64).returncode == 1  # not the fingerprint the officer holds
    data = json.loads(path.read_text())
    data["events"] = 0
    path.write_text(json.dumps(data))
    altered = _offline_check(path, key_id)
    assert altered.returncode == 1 and "its signature does not match its contents" in altered.stdout

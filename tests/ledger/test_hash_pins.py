"""What an event's hash covers, byte for byte: every stored chain and checkpoint was hashed
this way, so a change to the serialisation must fail here, not in `verify_ledger` on a
production ledger."""

import datetime
import hashlib
import time
import uuid

from consent.ledger.chain import Evidence, canonical_json, event_hash, event_hash_sql_middle

EVENT = {
    "subject_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "purpose_id": "marketing_own",
    "channel": "email",
    "decision": "withdrawn",
    "source": "portal",
    "actor_type": "staff",
    "actor_id": "Zoë",
    "policy_version_id": 7,
    # Stockholm winter time: the hash reads the moment in UTC, to the microsecond.
    "occurred_at": datetime.datetime(2026, 3, 1, 11, 0, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
    "evidence_digest": "e" * 64,
    "prev_hash": "0" * 64,
}
SERIALISED = (
    '["12345678-1234-5678-1234-567812345678","marketing_own","email","withdrawn","portal","staff","Zoë",7,'
    '"2026-03-01T10:00:00.000005+00:00","' + "e" * 64 + '","' + "0" * 64 + '"]'
).encode()


def test_an_event_hash_is_sha256_of_its_canonical_serialisation():
    assert event_hash(**EVENT) == hashlib.sha256(SERIALISED).hexdigest()
    assert event_hash(**EVENT) == "a12837cdfc681b6551853ebb0fb9dcf0f952c50282366f7c960873510a6f7396"


def test_the_bulk_writers_sql_hash_serialises_the_same_bytes():
    # consent_record_many hashes in SQL: `["` + subject id + this middle + prev_hash + `"]`.
    middle = event_hash_sql_middle(**{k: EVENT[k] for k in EVENT if k not in ("subject_id", "prev_hash")})
    assert ('["' + str(EVENT["subject_id"]) + middle + EVENT["prev_hash"] + '"]').encode() == SERIALISED


def test_canonical_json_is_compact_sorted_utf8():
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'.encode()


def test_evidence_digests_have_fixed_values():
    assert Evidence().digest() == hashlib.sha256(b'[null,"","",""]').hexdigest()
    assert Evidence().digest() == "985b0f099e36197d6050a42277c3106759d27253b694015793fd1e7e46dcc131"
    evidence = Evidence(ip_address="192.0.2.1", user_agent="Zoë/1.0", language="sv", text_hash="a" * 64)
    assert evidence.digest() == hashlib.sha256(f'["192.0.2.1","Zoë/1.0","sv","{"a" * 64}"]'.encode()).hexdigest()


def test_the_hash_is_the_same_whatever_the_servers_time_zone(monkeypatch):
    # A worker started with TZ=America/New_York must hash the moment as UTC too, or every
    # event it writes would fail verification on the others.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert event_hash(**EVENT) == "a12837cdfc681b6551853ebb0fb9dcf0f952c50282366f7c960873510a6f7396"
        middle = event_hash_sql_middle(**{k: EVENT[k] for k in EVENT if k not in ("subject_id", "prev_hash")})
        assert ('["' + str(EVENT["subject_id"]) + middle + EVENT["prev_hash"] + '"]').encode() == SERIALISED
    finally:
        monkeypatch.undo()
        time.tzset()

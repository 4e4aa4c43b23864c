import uuid
from datetime import UTC, datetime

import pytest

from consent.ledger.chain import event_hash, event_hasher


@pytest.mark.parametrize("channel", [None, "email"])
@pytest.mark.parametrize("actor_id", ["", "import:7", 'odd "quoted" ünïcode'])
def test_the_bulk_hasher_gives_event_hash(channel, actor_id):
    shared = {
        "decision": "withdrawn", "source": "import", "actor_type": "system", "actor_id": actor_id,
        "policy_version_id": None, "occurred_at": datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
        "evidence_digest": "ab" * 32,
    }  # fmt: skip
    subject_id, prev = uuid.uuid4(), "cd" * 32
    expected = event_hash(subject_id=subject_id, purpose_id="research", channel=channel, prev_hash=prev, **shared)
    hash_of = event_hasher(**shared)
    assert hash_of(subject_id=subject_id, purpose_id="research", channel=channel, prev_hash=prev) == expected

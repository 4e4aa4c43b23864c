"""The bench's own code, on a tiny data set: `make bench` is run by hand, so nothing else
would notice if its generator or its measurements stopped matching the schema."""

import pytest

from bench import check, data
from consent.decisions.rules import consent_decisions
from consent.ledger.chain import state_drift

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_generated_data_set_is_consistent_and_the_check_reads_it():
    data.generate(subjects=1000, events=4000)
    counts = data.counts()
    assert (counts.subjects, counts.events) == (1000, 4000)
    assert counts.states > 1000 and counts.suppressions > 0
    # Both copies of the current state agree with the generated events.
    assert state_drift(None) is None

    batch = check.identifiers(1000)
    decisions = consent_decisions(purpose=check.PURPOSE, channel=check.CHANNEL, identifiers=batch)
    assert len(decisions) == check.BATCH
    assert sum(1 for d in decisions if d.subject_id is not None) == 1000
    reasons = {d.reason for d in decisions}
    assert {"granted", "withdrawn", "suppressed", "erased", "no_policy_accepted"} <= reasons

"""The batch check: one `consent_decisions` call for 10,000 identifiers, end to end."""

import random
import statistics
import time
from dataclasses import dataclass

from bench.data import email

BATCH = 10_000
KNOWN_SHARE = 0.8
RUNS = 5
PURPOSE, CHANNEL = "marketing_own", "email"


@dataclass
class CheckResult:
    runs_ms: list[float]
    hashing_ms: float
    allowed: int
    known: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)

    @property
    def max_ms(self) -> float:
        return max(self.runs_ms)


def identifiers(subjects: int, *, seed: str = "bench-check") -> list[str]:
    """8,000 addresses of bench subjects and 2,000 nobody has, shuffled."""
    rng = random.Random(seed)
    known = [email(n) for n in rng.sample(range(subjects), min(subjects, int(BATCH * KNOWN_SHARE)))]
    unknown = [f"nobody{n}@example.org" for n in range(BATCH - len(known))]
    mixed = known + unknown
    rng.shuffle(mixed)
    return mixed


def run(*, subjects: int) -> CheckResult:
    from consent.accounts.identity import email_digest
    from consent.decisions.rules import consent_decisions

    batch = identifiers(subjects)
    consent_decisions(purpose=PURPOSE, channel=CHANNEL, identifiers=batch)  # warm-up
    runs_ms = []
    for _ in range(RUNS):
        before = time.perf_counter()
        decisions = consent_decisions(purpose=PURPOSE, channel=CHANNEL, identifiers=batch)
        runs_ms.append((time.perf_counter() - before) * 1000)
    before = time.perf_counter()
    for identifier in batch:
        email_digest(identifier)
    hashing_ms = (time.perf_counter() - before) * 1000
    return CheckResult(
        runs_ms=runs_ms,
        hashing_ms=hashing_ms,
        allowed=sum(1 for d in decisions if d.allowed),
        known=sum(1 for d in decisions if d.subject_id is not None),
    )


def explain(*, subjects: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the decisions query for the same 10,000 identifiers."""
    from consent.accounts.identity import email_digest
    from consent.db import prepared_cursor
    from consent.decisions import rules
    from consent.ledger.selectors import purpose_get

    batch = identifiers(subjects)
    params = rules.decisions_query_params(
        purpose_get(PURPOSE), CHANNEL, [email_digest(i) for i in batch], [None] * len(batch)
    )
    with prepared_cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + rules.DECISIONS_SQL, params)
        return "\n".join(row[0] for row in cursor.fetchall())

"""The batch check: one `consent_decisions` call for 10,000 identifiers, end to end, and its
ceiling: one bare prepared query making the same 10,000 hash-index probes on the subject
table, digests already computed."""

import random
import statistics
import time
from dataclasses import dataclass

from bench.data import email

BATCH = 10_000
KNOWN_SHARE = 0.8
RUNS = 5
WARMUP_RUNS = 5
PURPOSE, CHANNEL = "marketing_own", "email"


# The ceiling: what finding 10,000 people by digest costs the database and the driver, alone.
CEILING_SQL = """
SELECT i.ord, s.id
  FROM unnest(%(digests)b::bytea[]) WITH ORDINALITY AS i(digest, ord)
  LEFT JOIN LATERAL (SELECT id FROM accounts_subject WHERE email_digest = i.digest LIMIT 1) s ON true
"""


@dataclass
class CheckResult:
    runs_ms: list[float]
    ceiling_runs_ms: list[float]
    hashing_ms: float
    allowed: int
    known: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)

    @property
    def ceiling_ms(self) -> float:
        return statistics.median(self.ceiling_runs_ms)

    @property
    def max_ms(self) -> float:
        return max(self.runs_ms)

    @property
    def ratio(self) -> float:
        return self.median_ms / self.ceiling_ms


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
    from consent.db import prepared_cursor
    from consent.decisions.rules import consent_decisions

    batch = identifiers(subjects)
    digests = [email_digest(identifier) for identifier in batch]
    runs_ms, ceiling_runs_ms = [], []
    # Warm-up runs first: caches filled, and both statements prepared (DATABASE_PREPARE_THRESHOLD).
    for run_number in range(WARMUP_RUNS + RUNS):
        # Interleaved, so a noisy moment on the machine hits both alike.
        before = time.perf_counter()
        with prepared_cursor() as cursor:
            cursor.execute(CEILING_SQL, {"digests": digests})
            cursor.fetchall()
        ceiling_ms = (time.perf_counter() - before) * 1000
        before = time.perf_counter()
        decisions = consent_decisions(purpose=PURPOSE, channel=CHANNEL, identifiers=batch)
        if run_number >= WARMUP_RUNS:
            ceiling_runs_ms.append(ceiling_ms)
            runs_ms.append((time.perf_counter() - before) * 1000)
    before = time.perf_counter()
    for identifier in batch:
        email_digest(identifier)
    hashing_ms = (time.perf_counter() - before) * 1000
    return CheckResult(
        runs_ms=runs_ms,
        ceiling_runs_ms=ceiling_runs_ms,
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

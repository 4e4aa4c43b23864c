"""The bench data set, made once with set-based SQL and reused while it is big enough.

Subject n has the address `bench{n}@example.com` and the id md5('bench' || n)::uuid, so
every other step can name people without reading them back. Only the 1M email digests
are computed in Python (with the real `email_digest`) and streamed in with COPY."""

import hashlib
import time
import uuid
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from consent.accounts.identity import email_digest
from consent.ledger.services import consent_state_rebuild

# Events per subject: one registration event, then a skewed number of later choices
# (weights repeat every 10 subjects; the subject ids are md5s, so nothing lines up).
_EXTRA_WEIGHTS = [0, 0, 1, 1, 2, 3, 4, 6, 9, 14]
_EXTRA_PREFIX = [sum(_EXTRA_WEIGHTS[:i]) for i in range(len(_EXTRA_WEIGHTS))]
# Every 500th subject is erased; every 20th never accepted the policy (no primary_use grant).
ERASED_EVERY = 500
NO_PRIMARY_USE_EVERY = 20
SUPPRESSED_SHARE_OF_256 = 13  # first digest byte below 13: ~5% of subjects
COPY_CHUNK = 50_000

TABLES = ["accounts_subject", "ledger_consentevent", "ledger_consentstate", "suppression_suppressionentry"]


def email(n: int) -> str:
    return f"bench{n}@example.com"


def subject_id(n: int) -> uuid.UUID:
    """The same as md5('bench' || n)::uuid in SQL."""
    return uuid.UUID(hashlib.md5(f"bench{n}".encode()).hexdigest())


def is_erased(n: int) -> bool:
    return n % ERASED_EVERY == ERASED_EVERY - 1


@dataclass
class Counts:
    subjects: int
    events: int
    states: int
    suppressions: int


def counts() -> Counts:
    with connection.cursor() as cursor:
        values = []
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            values.append(cursor.fetchone()[0])
    return Counts(*values)


def ensure(*, subjects: int, events: int, regenerate: bool) -> tuple[Counts, float | None]:
    """The data set's counts, and the seconds spent generating it (None if reused)."""
    current = counts()
    if not regenerate and current.subjects >= subjects and current.events >= events and current.states:
        return current, None
    started = time.monotonic()
    generate(subjects=subjects, events=events)
    return counts(), time.monotonic() - started


def _combos() -> list[tuple[str, str | None]]:
    """(purpose, channel) pairs a later event may carry: each purpose as a whole and on each
    of its channels. primary_use is left to the registration event (it is never withdrawn)."""
    from consent.ledger.models import Purpose

    pairs = []
    for purpose in Purpose.objects.order_by("position", "code"):
        if purpose.code == Purpose.Code.PRIMARY_USE:
            continue
        pairs.append((purpose.code, None))
        pairs.extend((purpose.code, channel) for channel in purpose.channels)
    return pairs


def _step(label: str, started: float) -> float:
    now = time.monotonic()
    print(f"  {label:<52} {now - started:6.1f} s", flush=True)
    return now


def generate(*, subjects: int, events: int) -> None:
    print(f"Generating {subjects:,} subjects and {events:,} events (one transaction)…", flush=True)
    combos = _combos()
    extra_total = events - subjects
    weight_total = (subjects // len(_EXTRA_WEIGHTS)) * sum(_EXTRA_WEIGHTS) + _EXTRA_PREFIX[
        subjects % len(_EXTRA_WEIGHTS)
    ]
    params = {
        "subjects": subjects,
        "extra_total": extra_total,
        "weight_total": max(weight_total, 1),
        "prefix": _EXTRA_PREFIX,
        "period": len(_EXTRA_WEIGHTS),
        "period_sum": sum(_EXTRA_WEIGHTS),
        "combo_purposes": [purpose for purpose, _channel in combos],
        "combo_channels": [channel for _purpose, channel in combos],
        "combo_count": len(combos),
        "erased_every": ERASED_EVERY,
        "no_primary_every": NO_PRIMARY_USE_EVERY,
        "suppressed_below": SUPPRESSED_SHARE_OF_256,
        "list_size": subjects // 20,
    }
    step = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # Only the bench's own tables of its own database; the schema is left as migrate made it.
        # The ledger lets only the tables' owner TRUNCATE (ledger.models.RefuseTruncate): the
        # bench runs as the role that migrated its database.
        cursor.execute(
            "TRUNCATE accounts_subject, ledger_currentchoices, ledger_consentevent, ledger_consentevidence,"
            " ledger_consentstate, ledger_chainhead, ledger_ledgercheckpoint, ledger_evidenceerasure,"
            " suppression_suppressionentry RESTART IDENTITY CASCADE"
        )
        _load_subjects(cursor, subjects)
        step = _step(f"{subjects:,} subjects (digests hashed in Python, COPY)", step)
        cursor.execute(_EVENTS_SQL, params)
        step = _step(f"{cursor.rowcount:,} events (INSERT … SELECT)", step)
        states, copies = consent_state_rebuild()
        step = _step(f"{states:,} current states, copied into {copies:,} CurrentChoices rows", step)
        cursor.execute(_SUPPRESSION_SUBJECTS_SQL, params)
        suppressed = cursor.rowcount
        cursor.execute(_SUPPRESSION_LIST_SQL, params)
        step = _step(f"{suppressed + cursor.rowcount:,} suppression entries ({suppressed:,} of subjects)", step)
    with connection.cursor() as cursor:
        for table in [*TABLES, "ledger_currentchoices"]:
            cursor.execute(f"VACUUM ANALYZE {table}")
        step = _step("VACUUM ANALYZE", step)
        # Flush the load's dirty pages now, not in the background of the measurements.
        try:
            with transaction.atomic():
                cursor.execute("CHECKPOINT")
        except DatabaseError as exc:  # needs superuser or pg_checkpoint
            print(f"  (no CHECKPOINT: {exc})".strip())
        _step("CHECKPOINT", step)


def _load_subjects(cursor, subjects: int) -> None:
    cursor.execute("CREATE TEMP TABLE bench_email (n integer NOT NULL, digest bytea NOT NULL) ON COMMIT DROP")
    raw = cursor.connection  # the psycopg 3 connection under Django's wrapper
    with raw.cursor() as pg_cursor, pg_cursor.copy("COPY bench_email (n, digest) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "bytea"])
        for start in range(0, subjects, COPY_CHUNK):
            for n in range(start, min(start + COPY_CHUNK, subjects)):
                copy.write_row((n, email_digest(email(n))))
    # Inserted in id order, so the primary key index is written front to back.
    cursor.execute(
        """
        INSERT INTO accounts_subject (id, user_id, email_digest, external_id, created_at, erased_at)
        SELECT md5('bench' || n)::uuid, NULL, digest, 'bench-' || n,
               now() - interval '1095 days' + (n::float8 / %(subjects)s) * interval '730 days',
               CASE WHEN n %% %(erased_every)s = %(erased_every)s - 1 THEN now() - interval '30 days' END
          FROM bench_email
         ORDER BY 1
        """,
        {"subjects": subjects, "erased_every": ERASED_EVERY},
    )


# Subject n gets 1 + X(n+1) - X(n) events, X(m) = extra_total * F(m) / F(subjects), F the
# running sum of the weights: exactly `events` in all. Event j = 0 is the registration
# (primary_use granted, except for every 20th subject); the rest pick a (purpose, channel)
# and a decision from a hash of (n, j). hash/prev_hash are md5||md5 stand-ins that still
# link each subject's events in order (they do not verify). Rows go in subject-id order so
# the indexes that lead with subject_id are written front to back.
_EVENTS_SQL = """
INSERT INTO ledger_consentevent
       (subject_id, purpose_id, channel, decision, source, actor_type, actor_id,
        policy_version_id, occurred_at, evidence_digest, prev_hash, hash, idempotency_key)
SELECT e.subject_id, e.purpose_id, e.channel, e.decision, e.source,
       CASE e.source WHEN 'api' THEN 'api_key' WHEN 'import' THEN 'system' ELSE 'subject' END,
       CASE e.source WHEN 'api' THEN 'bench' WHEN 'import' THEN 'bench-import' ELSE '' END,
       NULL,
       e.registered_at + e.j * (interval '300 days' / e.k),
       '',
       CASE WHEN e.j = 0 THEN repeat('0', 64)
            ELSE md5('bench-event:' || e.n || ':' || (e.j - 1)) || md5('bench-event2:' || e.n || ':' || (e.j - 1)) END,
       md5('bench-event:' || e.n || ':' || e.j) || md5('bench-event2:' || e.n || ':' || e.j),
       NULL
  FROM (
        SELECT c.*,
               CASE WHEN c.registration THEN 'registration'
                    WHEN c.decision = 'withdrawn' AND (c.h / 7) %% 2 = 0 THEN 'unsubscribe_link'
                    ELSE (ARRAY['portal', 'api', 'import'])[1 + (c.h / 11) %% 3] END AS source
          FROM (
                SELECT s.n, s.subject_id, s.registered_at, s.k, j, h.h,
                       h.registration,
                       CASE WHEN h.registration THEN 'primary_use'
                            ELSE (%(combo_purposes)s::text[])[1 + h.h %% %(combo_count)s] END AS purpose_id,
                       CASE WHEN h.registration THEN NULL
                            ELSE (%(combo_channels)s::text[])[1 + h.h %% %(combo_count)s] END AS channel,
                       CASE WHEN h.registration OR (h.h / %(combo_count)s) %% 5 < 3 THEN 'granted'
                            ELSE 'withdrawn' END AS decision
                  FROM (
                        SELECT n, md5('bench' || n)::uuid AS subject_id,
                               now() - interval '1095 days' + (n::float8 / %(subjects)s) * interval '730 days'
                                   AS registered_at,
                               1 + (%(extra_total)s::bigint * ((n + 1) / %(period)s * %(period_sum)s
                                        + (%(prefix)s::int[])[(n + 1) %% %(period)s + 1])) / %(weight_total)s
                                 - (%(extra_total)s::bigint * (n / %(period)s * %(period_sum)s
                                        + (%(prefix)s::int[])[n %% %(period)s + 1])) / %(weight_total)s AS k
                          FROM generate_series(0, %(subjects)s - 1) AS n
                         ORDER BY 2
                       ) s
                 CROSS JOIN LATERAL generate_series(0, s.k - 1) AS j
                 CROSS JOIN LATERAL (
                        SELECT abs(hashtext(s.n || ':' || j)::bigint) AS h,
                               j = 0 AND s.n %% %(no_primary_every)s <> 0 AS registration
                       ) h
               ) c
       ) e
 ORDER BY e.subject_id, e.j
"""

# ~5% of subjects: everything, our own marketing, or email only; plus an imported list of
# as many addresses again that belong to no subject.
_SUPPRESSION_SUBJECTS_SQL = """
INSERT INTO suppression_suppressionentry (identifier_digest, purpose, channel, reason, source, created_at, created_by)
SELECT email_digest,
       CASE get_byte(email_digest, 1) %% 4 WHEN 2 THEN 'marketing_own' END,
       CASE get_byte(email_digest, 1) %% 4 WHEN 3 THEN 'email' END,
       (ARRAY['unsubscribe_link', 'bounce', 'complaint', 'representative'])[1 + get_byte(email_digest, 2) %% 4],
       'bench', now() - interval '100 days', 'bench'
  FROM accounts_subject
 WHERE get_byte(email_digest, 0) < %(suppressed_below)s
 ORDER BY 1
"""

_SUPPRESSION_LIST_SQL = """
INSERT INTO suppression_suppressionentry (identifier_digest, purpose, channel, reason, source, created_at, created_by)
SELECT decode(md5('bench-list:' || n) || md5('bench-list2:' || n), 'hex'), NULL, NULL,
       'import', 'bench list', now() - interval '200 days', 'bench'
  FROM generate_series(0, %(list_size)s - 1) AS n
 ORDER BY 1
"""

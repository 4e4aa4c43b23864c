"""Events recorded through `consent_record` by concurrent processes, one transaction each,
and the ceiling: the same processes doing a bare single-row INSERT and COMMIT each."""

import os
import random
import statistics
import time
from dataclasses import dataclass

WARMUP_EVENTS = 25
TIMEOUT_SECONDS = 600
CEILING_TABLE = "bench_insert_ceiling"


@dataclass
class WriteResult:
    events: int
    errors: int
    first_error: str
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def run(*, total: int, processes: int, subjects: int, ceiling: bool = False) -> WriteResult:
    """`consent_record` from `processes` processes; with `ceiling`, a bare INSERT + COMMIT instead."""
    import multiprocessing

    if ceiling:
        _ceiling_table_reset()

    # A new set of people each run: a seeded plan would write, from the second run on, the
    # people whose pages the last run left cached, and the figure would rise run by run.
    seed = os.urandom(4).hex()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    shares = [total // processes + (1 if i < total % processes else 0) for i in range(processes)]
    workers = [
        context.Process(target=_worker, args=(i, shares[i], subjects, barrier, results, ceiling, seed), daemon=True)
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        # Every worker has set Django up, loaded its subjects and written a few events.
        _wait_for(lambda: barrier.n_waiting == processes, workers)
        barrier.wait(timeout=10)
        reports = []
        while len(reports) < processes:
            _wait_for(lambda: not results.empty(), workers, allow_finished=True)
            reports.append(results.get(timeout=10))
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()
    started = min(report["started"] for report in reports)
    finished = max(report["finished"] for report in reports)
    errors = [report["first_error"] for report in reports if report["first_error"]]
    return WriteResult(
        events=sum(report["recorded"] for report in reports),
        errors=sum(report["errors"] for report in reports),
        first_error=errors[0] if errors else "",
        seconds=finished - started,
        latencies_ms=[ms for report in reports for ms in report["latencies_ms"]],
    )


def _wait_for(condition, workers, *, allow_finished: bool = False) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not condition():
        failed = [w for w in workers if w.exitcode is not None and (w.exitcode != 0 or not allow_finished)]
        if failed:
            raise RuntimeError(f"write worker exited with code {failed[0].exitcode}")
        if time.monotonic() > deadline:
            raise TimeoutError("write workers did not finish in time")
        time.sleep(0.05)


def _plan(rng: random.Random, count: int, subjects: int, combos: list[tuple[str, str | None, bool]]):
    from bench.data import is_erased, subject_id

    steps = []
    while len(steps) < count:
        n = rng.randrange(subjects)
        if is_erased(n):  # the service refuses new consent for erased people
            continue
        purpose, channel, withdrawable = rng.choice(combos)
        decision = "withdrawn" if withdrawable and rng.random() < 0.4 else "granted"
        steps.append((subject_id(n), purpose, channel, decision))
    return steps


def _ceiling_table_reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # Logged, with a primary key, like the ledger: a commit waits for its WAL flush too.
        cursor.execute(f"DROP TABLE IF EXISTS {CEILING_TABLE}")
        cursor.execute(f"CREATE TABLE {CEILING_TABLE} (id bigserial PRIMARY KEY, subject uuid, decision text)")


def _worker(index: int, count: int, subjects: int, barrier, results, ceiling: bool, seed: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.db import connection, transaction

    from consent.accounts.models import Subject
    from consent.ledger.chain import Evidence
    from consent.ledger.selectors import purposes_by_code
    from consent.ledger.services import Actor, consent_record

    rng = random.Random(f"bench-write-{seed}-{index}")
    combos = [
        (purpose.code, channel, purpose.withdrawable)
        for purpose in purposes_by_code().values()
        for channel in [None, *purpose.channels]
    ]
    plan = _plan(rng, count + WARMUP_EVENTS, subjects, combos)
    people = Subject.objects.in_bulk([step[0] for step in plan])
    actor = Actor.system("bench")
    evidence = Evidence(ip_address="127.0.0.1", user_agent="bench/1.0", language="en")

    recorded, errors, first_error, latencies_ms = 0, 0, "", []

    def insert(step) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {CEILING_TABLE} (subject, decision) VALUES (%s, %s)", [step[0], step[3]])

    def record(step) -> None:
        nonlocal recorded, errors, first_error
        subject_pk, purpose, channel, decision = step
        try:
            if ceiling:
                insert(step)
                recorded += 1
                return
            consent_record(
                subject=people[subject_pk],
                purpose=purpose,
                channel=channel,
                decision=decision,
                source="api",
                actor=actor,
                evidence=evidence,
            )
            recorded += 1
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"

    for step in plan[:WARMUP_EVENTS]:
        record(step)
    recorded, errors, first_error = 0, 0, ""
    barrier.wait(timeout=TIMEOUT_SECONDS)
    started = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes on Linux
    for step in plan[WARMUP_EVENTS:]:
        before = time.perf_counter()
        record(step)
        latencies_ms.append((time.perf_counter() - before) * 1000)
    finished = time.monotonic()
    results.put(
        {
            "recorded": recorded,
            "errors": errors,
            "first_error": first_error,
            "started": started,
            "finished": finished,
            "latencies_ms": latencies_ms,
        }
    )


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(share * 1000) - 1]

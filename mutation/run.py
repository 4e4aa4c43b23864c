"""`make mutation`: mutmut 3 over the core modules, then the score per module.

    python -m mutation.run               # fresh run of every module, then the scores
    python -m mutation.run identity      # only the modules named (keys of MODULES)
    python -m mutation.run --rerun ledger/chain   # only its mutants not yet killed
    python -m mutation.run --report      # the scores last recorded, without running

Each run records its modules' results in mutation/results.json, a tracked file (a module's
entries replaced, the others kept), so modules run one at a time add up to the whole table
and a fresh clone's `--report` prints the table last committed. With each module it records
the SHA-256 of the module's source: a module whose source changed since is reported stale.

`--rerun` runs again only the mutants a module's last run did not kill (survivors, and those
a stopped run did not reach), for tests added since: tests added cannot let a killed mutant
live, so the other results stand. It refuses a module whose source changed (the mutants'
names and code would no longer be those recorded): run that module whole.

A module's score is killed / (mutants - equivalent ones listed in mutation/equivalent.toml);
a mutant that times out counts as killed (the tests noticed it). Exits non-zero when any
module is under THRESHOLD, was stopped before every mutant was checked, is stale, or when an
equivalent listed is no longer a surviving mutant (the list must not go stale and hide a
real survivor)."""

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
RESULTS_FILE = ROOT / "mutation" / "results.json"
EQUIVALENT_FILE = ROOT / "mutation" / "equivalent.toml"
THRESHOLD = 0.95

# Module -> the mutant names (globs) it scores. mutmut names a mutant
# <module>.x_<function>__mutmut_<n> (methods: xǁ<Class>ǁ<method>).
MODULES = {
    "ledger/rules": ["consent.ledger.rules.*"],
    # The record path: consent_record and the helpers it calls (not the bulk twin, checkpoints, erasure).
    "ledger/services": [
        f"consent.ledger.services.x_{name}__mutmut_*"
        for name in (
            "consent_record",
            "_validate",
            "_scoped_idempotency_key",
            "subject_lock",
            "_replayed",
            "_append",
        )
    ],  # fmt: skip
    "ledger/chain": ["consent.ledger.chain.*"],
    "accounts/identity": ["consent.accounts.identity.*"],
    "decisions/rules": ["consent.decisions.rules.*"],
    "suppression/services": ["consent.suppression.services.*"],
}

# Module -> the tests that run against its mutants, when narrower than [tool.mutmut]'s
# pytest_add_cli_args_test_selection: mutmut runs the whole selection twice before the
# first mutant (timings, then a clean run), minutes each on a shared machine.
TESTS = {
    "ledger/rules": ["tests/ledger", "tests/decisions"],  # the two areas whose writes it checks
    "ledger/chain": ["tests/ledger", "tests/security/test_ledger_tampering.py"],
    "decisions/rules": ["tests/decisions"],
    "suppression/services": ["tests/suppression", "tests/decisions/test_unsubscribe.py"],
}

# mutmut run with only the modules' files mutated and, when every module names its tests,
# only those tests selected (mutmut reads both from pyproject.toml; its config is patched).
_MUTMUT_RUN = """
import sys
from mutmut import configuration
from mutmut.__main__ import cli
files, tests, *args = sys.argv[1:]
cfg = configuration.config()
cfg.only_mutate = files.split(",")
if tests:
    cfg.pytest_add_cli_args_test_selection = tests.split(",")
cli(["run", *args])
"""

KILLED = {1, 3, 36, 24, -24, 152, 255}  # failed, pytest internal error, timeouts
STATUS = {0: "survived", 5: "no tests", 33: "no tests", None: "not checked"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("DATABASE_URL is not set: run `make mutation`, which provides one.")
    return url


def _drop_databases() -> None:
    """Every run starts from a template migrated afresh (mutation/pytest_db_slots.py)."""
    import psycopg
    from psycopg import sql

    url = urlsplit(_database_url())
    base = f"test_{url.path.lstrip('/')}"
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname ~ %s",
            [f"{base}_template", f"^{base}_m[0-9]+$"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _run(modules: list[str], patterns: list[str]) -> None:
    shutil.rmtree(MUTANTS, ignore_errors=True)
    _drop_databases()
    files = ",".join(_source(module) for module in modules)
    tests = ",".join(t for m in modules for t in TESTS[m]) if all(m in TESTS for m in modules) else ""
    # mutmut's exit code says nothing about the score; the report below does. A run stopped
    # (mutmut killed) still records the mutants it checked: they are saved as they finish.
    try:
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", _MUTMUT_RUN, files, tests, "--max-children", "2", *patterns], cwd=ROOT, check=False
        )
    finally:
        _drop_databases()


def _source(module: str) -> str:
    return f"consent/{module}.py"


def _source_sha256(module: str) -> str:
    return hashlib.sha256((ROOT / _source(module)).read_bytes()).hexdigest()


def _in_module(name: str, module: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in MODULES[module])


def _record(modules: list[str], names: list[str] | None = None) -> None:
    """Replace the recorded results of `modules` (or only of the mutants `names`, a rerun)
    with those of the run just made."""
    fresh = {}
    for meta in MUTANTS.rglob("*.py.meta"):
        fresh.update(json.loads(meta.read_text())["exit_code_by_key"])
    recorded = _recorded()
    mutants = recorded["mutants"]
    if names is None:
        mutants = {n: code for n, code in mutants.items() if not any(_in_module(n, m) for m in modules)}
        mutants.update({n: code for n, code in fresh.items() if any(_in_module(n, m) for m in modules)})
    else:
        mutants.update({n: fresh[n] for n in names if fresh.get(n) is not None})
    sources = {**recorded["sources"], **{module: _source_sha256(module) for module in modules}}
    RESULTS_FILE.write_text(
        json.dumps({"sources": sources, "mutants": mutants}, indent=0, sort_keys=True, ensure_ascii=False) + "\n"
    )


def _recorded() -> dict:
    if not RESULTS_FILE.exists():
        return {"sources": {}, "mutants": {}}
    return json.loads(RESULTS_FILE.read_text())


def _results() -> dict[str, int | None]:
    return _recorded()["mutants"]


def _not_killed(module: str) -> list[str]:
    """The recorded mutants of `module` left to kill: survivors and those not checked."""
    equivalents = _equivalents()
    return sorted(
        name
        for name, code in _results().items()
        if _in_module(name, module) and code not in KILLED and name not in equivalents
    )


def _equivalents() -> dict[str, str]:
    if not EQUIVALENT_FILE.exists():
        return {}
    data = tomllib.loads(EQUIVALENT_FILE.read_text())
    return {entry["mutant"]: entry["why"] for entry in data.get("equivalent", [])}


def report(modules: list[str]) -> bool:
    results = _results()
    sources = _recorded()["sources"]
    equivalents = _equivalents()
    ok = True
    print(f"\nMutation score per module (killed / (mutants - equivalent)), goal {THRESHOLD:.0%}")
    for module in modules:
        names = sorted(n for n in results if _in_module(n, module))
        checked = [n for n in names if results[n] is not None]
        if not checked:
            print(f"  {module}: not run")
            ok = False
            continue
        killed = [n for n in checked if results[n] in KILLED]
        equivalent = [n for n in checked if n in equivalents]
        stale = [n for n in equivalent if results[n] in KILLED]
        survivors = [n for n in checked if results[n] not in KILLED and n not in equivalents]
        counted = len(checked) - len(equivalent)
        score = len(killed) / counted if counted else 1.0
        changed = sources.get(module) != _source_sha256(module)
        complete = len(checked) == len(names)
        verdict = "PASS" if score >= THRESHOLD and not stale and complete and not changed else "MISS"
        ok = ok and verdict == "PASS"
        print(
            f"  {verdict} {module}: {len(killed)} / ({len(checked)} - {len(equivalent)} equivalent) = {score:.1%}"
            + ("" if complete else f"  ({len(names) - len(checked)} not checked: the run was stopped)")
            + (f"  (stale: {_source(module)} changed since this run)" if changed else "")
        )
        for name in survivors:
            print(f"      {STATUS.get(results[name], 'suspicious')}: {name}")
        for name in stale:
            print(f"      listed as equivalent but killed, remove it from equivalent.toml: {name}")
        # A name left from older code (mutants are numbered per function) would excuse nothing
        # now, or excuse the wrong mutant once the numbers shift back: the list must name real ones.
        unknown = [n for n in equivalents if _in_module(n, module) and n not in results]
        for name in unknown:
            print(f"      listed as equivalent but no such mutant, remove it from equivalent.toml: {name}")
        ok = ok and not unknown
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("--report", action="store_true", help="only print the scores of the last run")
    parser.add_argument("--rerun", action="store_true", help="run only the mutants the last run did not kill")
    args = parser.parse_args()
    modules = args.modules or list(MODULES)
    unknown = set(modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown module(s) {', '.join(sorted(unknown))}; known: {', '.join(MODULES)}")
    if args.rerun:
        sources = _recorded()["sources"]
        changed = [m for m in modules if sources.get(m) != _source_sha256(m)]
        if changed:
            parser.error(f"{', '.join(changed)}: never run or changed since the last run; run it whole")
        names = [name for module in modules for name in _not_killed(module)]
        if names:
            _run(modules, names)
            _record(modules, names)
    elif not args.report:
        _run(modules, [pattern for module in modules for pattern in MODULES[module]])
        _record(modules)
    sys.exit(0 if report(modules) else 1)


if __name__ == "__main__":
    main()

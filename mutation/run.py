"""`make mutation`: mutmut 3 over the core modules, then the score per module.

    python -m mutation.run               # fresh run of every module, then the scores
    python -m mutation.run identity      # only the modules named (keys of MODULES)
    python -m mutation.run --report      # the scores last recorded, without running

Each run records its modules' results in var/mutation-results.json (a module's entries
replaced, the others kept), so modules run one at a time add up to the whole table.

A module's score is killed / (mutants - equivalent ones listed in mutation/equivalent.toml);
a mutant that times out counts as killed (the tests noticed it). Exits non-zero when any
module is under THRESHOLD, or when an equivalent listed is no longer a surviving mutant
(the list must not go stale and hide a real survivor)."""

import argparse
import fnmatch
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
RESULTS_FILE = ROOT / "var" / "mutation-results.json"
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


def _run(modules: list[str]) -> None:
    shutil.rmtree(MUTANTS, ignore_errors=True)
    _drop_databases()
    files = ",".join(f"consent/{module}.py" for module in modules)
    tests = ",".join(t for m in modules for t in TESTS[m]) if all(m in TESTS for m in modules) else ""
    patterns = [pattern for module in modules for pattern in MODULES[module]]
    # mutmut's exit code says nothing about the score; the report below does.
    try:
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", _MUTMUT_RUN, files, tests, "--max-children", "2", *patterns], cwd=ROOT, check=False
        )
    finally:
        _drop_databases()


def _in_module(name: str, module: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in MODULES[module])


def _record(modules: list[str]) -> None:
    """Replace the recorded results of `modules` with those of the run just made."""
    fresh = {}
    for meta in MUTANTS.rglob("*.py.meta"):
        fresh.update(json.loads(meta.read_text())["exit_code_by_key"])
    recorded = {n: code for n, code in _results().items() if not any(_in_module(n, m) for m in modules)}
    recorded.update({n: code for n, code in fresh.items() if any(_in_module(n, m) for m in modules)})
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(recorded, indent=0, sort_keys=True))


def _results() -> dict[str, int | None]:
    return json.loads(RESULTS_FILE.read_text()) if RESULTS_FILE.exists() else {}


def _equivalents() -> dict[str, str]:
    if not EQUIVALENT_FILE.exists():
        return {}
    data = tomllib.loads(EQUIVALENT_FILE.read_text())
    return {entry["mutant"]: entry["why"] for entry in data.get("equivalent", [])}


def report(modules: list[str]) -> bool:
    results = _results()
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
        verdict = "PASS" if score >= THRESHOLD and not stale else "MISS"
        ok = ok and verdict == "PASS"
        print(
            f"  {verdict} {module}: {len(killed)} / ({len(checked)} - {len(equivalent)} equivalent) = {score:.1%}"
            + (f"  ({len(names) - len(checked)} not checked)" if len(names) != len(checked) else "")
        )
        for name in survivors:
            print(f"      {STATUS.get(results[name], 'suspicious')}: {name}")
        for name in stale:
            print(f"      listed as equivalent but killed, remove it from equivalent.toml: {name}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("--report", action="store_true", help="only print the scores of the last run")
    args = parser.parse_args()
    modules = args.modules or list(MODULES)
    unknown = set(modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown module(s) {', '.join(sorted(unknown))}; known: {', '.join(MODULES)}")
    if not args.report:
        _run(modules)
        _record(modules)
    sys.exit(0 if report(modules) else 1)


if __name__ == "__main__":
    main()

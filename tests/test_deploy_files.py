"""The production shape (docker-compose.yml, Dockerfile, docker/postgres-init/) without a
Docker engine: the settings they give each process are loaded for real, and the database
roles they use are the two roles docs/operations.md describes."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("web", "worker", "beat")
_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def _resolve(value: str) -> str:
    """What compose substitutes when the variable is not set: ${NAME:-default} -> default."""
    return _DEFAULT.sub(lambda m: m.group(2), str(value))


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def _environment(service: dict) -> dict[str, str]:
    return {key: _resolve(value) for key, value in service["environment"].items()}


def _database_user(service: dict) -> tuple[str, str]:
    url = urlsplit(_environment(service)["DATABASE_URL"])
    return url.username, url.password


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "IDENTITY_", "EMAIL_", "LEDGER_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_compose_has_the_production_shape(services):
    assert {"db", "redis", "migrate", "web", "worker", "beat", "mail"} <= set(services)
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_app_connects_as_the_role_migrate_grants_and_migrate_as_the_owner(services):
    owner, _ = _database_user(services["migrate"])
    app_users = {_database_user(services[name])[0] for name in APP_SERVICES}
    assert len(app_users) == 1
    (app,) = app_users
    assert app != owner
    command = shlex.split(services["migrate"]["command"][-1])
    # migrate first, as the owner, then the grant for exactly the role the app connects as.
    assert command[:4] == ["python", "manage.py", "migrate", "--noinput"]
    assert command[4:] == ["&&", "python", "manage.py", "grant_app_role", app]


def test_the_db_init_script_creates_both_roles_with_the_passwords_the_services_use(services):
    script = (ROOT / "docker" / "postgres-init" / "10-consent-roles.sh").read_text()
    volumes = services["db"]["volumes"]
    assert "./docker/postgres-init:/docker-entrypoint-initdb.d:ro" in volumes
    db_env = _environment(services["db"])
    owner, owner_password = _database_user(services["migrate"])
    app, app_password = _database_user(services["web"])
    # The script's psql variables come from these two variables of the db service...
    assert '-v owner_password="$CONSENT_OWNER_DB_PASSWORD"' in script
    assert '-v app_password="$CONSENT_APP_DB_PASSWORD"' in script
    assert (db_env["CONSENT_OWNER_DB_PASSWORD"], db_env["CONSENT_APP_DB_PASSWORD"]) == (owner_password, app_password)
    # ...and it creates the two roles the URLs name, the database owned by the owner.
    database = urlsplit(_environment(services["web"])["DATABASE_URL"]).path.lstrip("/")
    assert f"CREATE ROLE {owner} LOGIN PASSWORD :'owner_password';" in script
    assert f"CREATE ROLE {app} LOGIN PASSWORD :'app_password';" in script
    assert f"CREATE DATABASE {database} OWNER {owner};" in script


@pytest.mark.parametrize("name", ["web", "migrate"])
def test_the_compose_environment_loads_the_production_settings(services, name):
    env = _environment(services[name])
    result = _manage(env, "check", "--deploy", "--fail-level", "ERROR")
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_image_build_environment_loads_the_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    # The variables the build's collectstatic step runs with.
    step = dockerfile.split("compile_catalogues.py", 1)[1].split("python manage.py collectstatic", 1)[0]
    env = dict(re.findall(r"(\w+)=(\S+)", step))
    assert env["DJANGO_DEBUG"] == "false" and "LEDGER_SIGNING_KEY" in env
    result = _manage(env, "check")
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'CMD ["gunicorn", "config.wsgi:application"' in dockerfile

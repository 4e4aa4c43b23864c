"""Property-based tests of the whole API from its own schema (schemathesis): whatever a
client sends, the answer is never a 5xx and always matches the schema.

The schema is loaded when the test runs, not when it is collected: schemathesis builds each
operation's boundary cases as it makes its test, seconds of CPU that every xdist worker would
otherwise spend collecting. Each operation is a subtest, reported by method and path."""

import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from consent.accounts.models import ApiScope
from consent.accounts.services import api_key_create

app = WSGIHandler()

# The operations in a few parts of similar cost, so that the xdist workers share them.
PARTS = {
    "consents": r"^/api/v1/consents/",
    "suppressions": r"^/api/v1/(suppressions|unsubscribe-links)/",
    "requests": r"^/api/v1/requests/",
    "the rest": r"^/api/v1/(?!consents/|suppressions/|unsubscribe-links/|requests/)",
}


@pytest.fixture(scope="session")
def whole_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="session", params=PARTS.values(), ids=PARTS.keys())
def api_schema(request, whole_schema):
    paths = {path: item for path, item in whole_schema["paths"].items() if re.match(request.param, path)}
    return schemathesis.openapi.from_dict({**whole_schema, "paths": paths})


schema = schemathesis.pytest.from_fixture("api_schema")


def test_the_parts_hold_every_operation_once(whole_schema):
    for path in whole_schema["paths"]:
        assert sum(bool(re.match(part, path)) for part in PARTS.values()) == 1, path


@pytest.fixture
def api_key(db) -> str:
    # A request in the test's own transaction: as Django's test client, do not let the
    # handler close the connection when the request ends.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    _key, secret = api_key_create(name="properties", scopes=list(ApiScope.values))
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Ten random cases per operation (the fuzzing phase, the only one max_examples limits; the
# schema's examples and schemathesis's boundary cases still all run): a wrong status or shape
# shows in the first few, and 25 made this file a tenth of the suite's time.
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_answers_every_input_by_its_schema(case, api_key):
    case.call_and_validate(
        app=app,
        headers={"Authorization": f"Api-Key {api_key}", "Host": "testserver"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )

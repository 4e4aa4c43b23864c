"""Property-based tests of the whole API from its own schema (schemathesis): whatever a
client sends, the answer is never a 5xx and always matches the schema.

The schema is loaded when the test runs, not when it is collected: schemathesis builds each
operation's boundary cases as it makes its test, seconds of CPU that every xdist worker would
otherwise spend collecting. Each operation is a subtest, reported by method and path."""

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


@pytest.fixture(scope="session")
def api_schema():
    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


schema = schemathesis.pytest.from_fixture("api_schema")


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

"""The application's database role (row privileges only) runs the request workflow: it numbers
references from the sequence and blanks texts when contact data is purged, and it cannot
delete or rewrite a request's timeline."""

import psycopg
import pytest

from requests_app.common import RequestActor
from requests_app.services import request_submit, request_verify
from tests.security.test_database_role import app_role, as_app  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_application_role_keeps_the_timeline_append_only(as_app):  # noqa: F811
    made = request_submit(type="question", channel="web_form", email="ann@example.com", details="Call me")
    request_verify(request=made, method="email_link", actor=RequestActor.requester())

    assert as_app.execute("SELECT nextval('requests_app_reference_seq')").fetchone()[0] > 0
    with as_app.transaction():
        as_app.execute("UPDATE requests_app_requestevent SET comment = '' WHERE request_id = %s", [made.pk])
    for statement in (
        "DELETE FROM requests_app_requestevent",
        "UPDATE requests_app_requestevent SET kind = 'comment'",
        "UPDATE requests_app_requestevent SET comment = 'rewritten'",
        "TRUNCATE requests_app_requestevent CASCADE",
    ):
        with pytest.raises(psycopg.Error), as_app.transaction():
            as_app.execute(statement)
    assert as_app.execute("SELECT count(*) FROM requests_app_requestevent").fetchone()[0] == 2

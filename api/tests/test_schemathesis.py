"""schemathesis against docs/openapi.yaml: generated requests to every operation, as a
coordinator with a personal token, must never get a server error (5xx) nor a response the
schema does not describe. A bounded number of examples per operation keeps it to a few
minutes (CI runs it in the README's test command, on SQLite and on PostgreSQL).

    python3 dev.py test -m schemathesis
"""

import datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from conftest import make_case, make_client, make_person, make_session

SCHEMA = schemathesis.openapi.from_path(
    str(Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml")
)
EXAMPLES_PER_OPERATION = 15

pytestmark = pytest.mark.schemathesis


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, kept inside the test's transaction: as Django's
    test client does, requests do not close the database connection when they end."""
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def coordinator_token(personas, tokyo):
    from api import tokens

    person = make_person(tokyo, code="TK-1")
    client = make_client(tokyo, external_id="C-1")
    case = make_case(client, external_id="K-1")
    make_session(client, datetime.date(2025, 5, 1), case=case, lead_staff=person)
    user = personas["tokyo_coordinator"]
    return tokens.issue(user=user, name="schemathesis", expires_on=datetime.date(2099, 1, 1))[1]


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_every_generated_request_as_its_schema_says(
    case, wsgi_app, coordinator_token
):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    response = case.call(app=wsgi_app, headers={"Authorization": f"Bearer {coordinator_token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

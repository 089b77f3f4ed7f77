"""Schemathesis over the whole OpenAPI: every operation, bounded examples, an owner's token.

Asserts what an API user relies on: no answer is a server error, and every status that comes back
is one the OpenAPI documents. The examples are few per operation (``FUZZ_EXAMPLES``, default 12) so
the run stays near a minute on two cores; raise it locally to dig deeper
(``FAHUO_FUZZ_EXAMPLES=200 pytest src/fahuo/tests/test_openapi_fuzz.py``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from fahuo.wsgi import application

FUZZ_EXAMPLES = int(os.environ.get("FAHUO_FUZZ_EXAMPLES", "12"))
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Schemathesis calls the real WSGI handler, whose request_finished signal closes a database
    connection that saw an error (PostgreSQL, after a rejected write) — the test's own connection,
    inside its transaction. Django's test client unhooks that signal for the same reason."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(owner: Any, shop: Any) -> str:
    """An owner's token over a shop with a few orders (one whose recipient does not verify), so the
    list operations serialise real rows, not only empty pages."""
    from fahuo.accounts.models import ApiToken
    from fahuo.desk.tests.conftest import make_order

    for phone in ("13812345678", "13900001111", "123"):
        make_order(shop, phone=phone)
    _, raw = ApiToken.issue(user=owner, name="fuzz")
    return str(raw)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error_or_an_undocumented_status(case: Any, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

"""Unknown ids and out-of-range numbers are a 4xx, never a 500 — generated over every route.

Every desk URL pattern with an id is requested (GET and POST) with an id that does not exist, and
every API operation that takes ids in its body is sent ids beyond the database's range; a route or
operation added later is covered by itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fahuo.accounts.models import ApiToken
from fahuo.api import api

pytestmark = pytest.mark.django_db
HUGE = (2**63, 2**64)


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _desk_routes_with_ids() -> list[str]:
    routes = [r for r in _routes(get_resolver().url_patterns) if "<" in r]
    return sorted(r for r in routes if not r.startswith(("api/", "admin/", "hooks/")))


@pytest.mark.parametrize("route", _desk_routes_with_ids())
def test_an_unknown_id_on_a_desk_route_is_a_4xx(route: str, owner: Any, shop: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    url = "/" + re.sub(r"<int:\w+>", "999999", route)
    url = re.sub(r"<(?:\w+:)?\w+>", "nope", url)
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code < 500, (method.__name__, url, response.status_code)


def _operations_with_id_lists() -> list[tuple[str, str, str]]:
    found = []
    schema = api.get_openapi_schema()
    comps = schema.get("components", {}).get("schemas", {})
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            body = comps.get(str(ref.get("$ref", "")).rsplit("/", 1)[-1], {})
            for name, prop in body.get("properties", {}).items():
                options = prop.get("anyOf", [prop])
                if any(
                    o.get("type") == "array" and o.get("items", {}).get("type") == "integer" for o in options
                ):
                    found.append((method, path, name))
    return found


def test_ids_beyond_the_database_range_in_a_body_are_a_422(owner: Any, shop: Any) -> None:
    _, raw = ApiToken.issue(user=owner, name="t")
    client = Client(headers={"authorization": f"Bearer {raw}"}, raise_request_exception=False)
    operations = _operations_with_id_lists()
    assert {(m, p) for m, p, _ in operations} >= {
        ("post", "/api/fulfilment/batches"),
        ("post", "/api/allocation/runs"),
        ("post", "/api/messages/outbox/retry"),
    }
    for method, path, field in operations:
        for value in HUGE:
            url = path.replace("{run_id}", "1")
            response = getattr(client, method)(
                url, json.dumps({field: [value]}), content_type="application/json"
            )
            assert response.status_code in (400, 404, 422), (method, path, value, response.status_code)

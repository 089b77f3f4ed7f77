"""The shared provider call: retries what may pass next time, words every failure for the seller."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest

from fahuo.integrations.http import OwnedClient, RetryPolicy, Wording, call_json
from fahuo.integrations.simserver import serve
from fahuo.kit.errors import ProviderError

WORDING = Wording(
    unreachable="连不上（{error}）",
    unavailable="暂不可用（HTTP {status}）",
    refused="拒绝（HTTP {status}）",
    unreadable="看不懂",
)
FAST = RetryPolicy(attempts=3, backoff_s=0.0)


def gateway(answers: list[tuple[str, bytes]]) -> Callable[..., Iterable[bytes]]:
    """A WSGI app answering each request with the next (status, body); the last one repeats."""
    seen: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        status, body = answers[min(len(seen), len(answers) - 1)]
        seen.append(1)
        start_response(status, [("Content-Type", "application/json")])
        return [body]

    app.seen = seen  # type: ignore[attr-defined]
    return app


def call(app: Any, policy: RetryPolicy = FAST) -> dict[str, Any]:
    with serve(app) as base, httpx.Client() as http:
        return call_json(lambda: http.post(base + "/api"), policy=policy, wording=WORDING)


def test_a_gateway_error_is_tried_again_until_an_answer_comes() -> None:
    app = gateway([("503 Service Unavailable", b""), ("502 Bad Gateway", b""), ("200 OK", b'{"ok": 1}')])
    assert call(app) == {"ok": 1}
    assert len(app.seen) == 3  # type: ignore[attr-defined]


def test_a_gateway_that_stays_down_is_reported_with_its_status() -> None:
    app = gateway([("503 Service Unavailable", b"")])
    with pytest.raises(ProviderError, match=r"暂不可用（HTTP 503）"):
        call(app)
    assert len(app.seen) == 3  # type: ignore[attr-defined]


def test_a_refusal_is_not_retried() -> None:
    app = gateway([("403 Forbidden", b"")])
    with pytest.raises(ProviderError, match=r"拒绝（HTTP 403）"):
        call(app)
    assert len(app.seen) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("body", [b"<html>", b"[1, 2]"])
def test_an_answer_that_is_not_a_json_object_is_unreadable(body: bytes) -> None:
    with pytest.raises(ProviderError, match="看不懂"):
        call(gateway([("200 OK", body)]))


def test_nobody_listening_is_unreachable() -> None:
    with serve(gateway([("200 OK", b"{}")])) as base:
        pass  # the port is free again
    with httpx.Client() as http, pytest.raises(ProviderError, match=r"连不上（ConnectError）"):
        call_json(lambda: http.post(base + "/api"), policy=FAST, wording=WORDING)


def test_a_client_closes_only_the_connection_pool_it_made() -> None:
    given = httpx.Client()
    with OwnedClient(given, httpx.Client):
        pass
    assert not given.is_closed
    with OwnedClient(None, httpx.Client) as owned:
        pass
    assert owned._http.is_closed
    given.close()

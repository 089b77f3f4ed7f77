"""Run a provider simulator (a WSGI app) over real HTTP on 127.0.0.1, in a background thread.

Used by tests (``with serve(app) as base_url: ...``) and by ``make demo`` so the whole flow works
offline against the same protocol the real provider speaks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

WsgiApp = Callable[..., Any]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class RunningSimulator:
    def __init__(self, app: WsgiApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="fahuo-simulator", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> RunningSimulator:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serve(app: WsgiApp, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port unless given) for the duration of the block."""
    sim = RunningSimulator(app, port=port).start()
    try:
        yield sim.base_url
    finally:
        sim.stop()


# -- what every simulator's WSGI app does with a request ------------------------------------------


def read_body(environ: Mapping[str, Any]) -> str:
    """The request body as text (undecodable bytes replaced)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length).decode("utf-8", errors="replace") if length else ""


def fields(raw: str) -> dict[str, str]:
    """A query string or form body as {name: first value}, blanks kept."""
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def read_query(environ: Mapping[str, Any]) -> dict[str, str]:
    return fields(str(environ.get("QUERY_STRING", "")))


def respond_json(start_response: Callable[..., Any], status: str, body: Mapping[str, Any]) -> list[bytes]:
    """Answer ``body`` as UTF-8 JSON (Chinese kept as it is) with ``status``."""
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    start_response(
        status,
        [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(payload)))],
    )
    return [payload]

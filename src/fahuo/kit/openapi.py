"""The API's contract for errors: every status an operation can answer is in the OpenAPI.

Operations declare their success responses; the error statuses come from one place — the
``FahuoError`` classes (each carries its HTTP status) plus the framework's own 401 (no or bad token)
and 422 (a request that does not match the schema) — and are added to every operation here, with
one ``Error`` body. A new error class is documented everywhere by existing.

Bounded integer types for request schemas live here too: a number beyond what the database can
store is a 422 from validation, never an OverflowError (500) deep in a query.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI

from fahuo.kit import sheets  # noqa: F401  (FileTooLarge: its 413 is documented too)
from fahuo.kit.errors import FahuoError

DB_INT_MAX = 2**63 - 1  # SQLite INTEGER and PostgreSQL bigint
DbId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
Offset = Annotated[int, Field(ge=0, le=10**9)]

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "error: a code (not_found, conflict, invalid, forbidden …); message: a sentence "
    "to show; detail: structured context (row errors, limits). Validation errors (422 from the "
    "framework) carry only detail, a list of the fields that did not validate.",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "detail": {},
    },
}
DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, unknown or revoked token",
    403: "The token's user may not do this",
    404: "No such object",
    409: "Conflicts with the object's state",
    413: "File or request too large",
    422: "Input that does not validate",
    424: "The provider does not support this",
    502: "The provider refused or failed",
}


def _subclasses(cls: type[FahuoError]) -> set[type[FahuoError]]:
    found: set[type[FahuoError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def error_statuses() -> list[int]:
    return sorted({FahuoError.status, 422, *(c.status for c in _subclasses(FahuoError))})


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the ``Error`` schema and every error status to every operation of an OpenAPI dict."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    statuses = error_statuses()
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            known = {str(k) for k in responses}
            wanted = [*statuses, *([401] if operation.get("security") else [])]
            for status in sorted(set(wanted)):
                if str(status) not in known:
                    responses[status] = {"description": DESCRIPTIONS.get(status, "Error"), "content": body}
    return schema


class FahuoAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI documents every error status, and whose numbers never overflow into a 500."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_exception_handler(OverflowError, self._overflow)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return document_errors(super().get_openapi_schema(*args, **kwargs))

    def _overflow(self, request: HttpRequest, exc: OverflowError | type[OverflowError]) -> HttpResponse:
        # A number too large for the database that a schema did not bound (yet): the caller's input.
        body = {"error": "invalid", "message": "数值超出范围 (a number is out of range)"}
        return self.create_response(request, body, status=422)

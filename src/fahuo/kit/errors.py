"""Typed domain errors, mapped to HTTP in one place (fahuo.api)."""

from __future__ import annotations


class FahuoError(Exception):
    """Base of every error a user may see; ``status`` is the HTTP status it maps to."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, detail: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(FahuoError):
    status = 404
    code = "not_found"


class Conflict(FahuoError):
    status = 409
    code = "conflict"


class PermissionDenied(FahuoError):
    status = 403
    code = "forbidden"


class InvalidInput(FahuoError):
    status = 422
    code = "invalid"


class NotSupported(FahuoError):
    status = 424
    code = "not_supported"


class ProviderError(FahuoError):
    """An external provider refused or failed; ``message`` is the provider's own text."""

    status = 502
    code = "provider_error"

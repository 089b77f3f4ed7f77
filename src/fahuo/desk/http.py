"""Moved to :mod:`fahuo.kit.web` (shared web plumbing sits below every domain); kept for old imports."""

from fahuo.kit.web import (
    desk_view,
    error_page,
    fahuo_error,
    htmx_target,
    is_htmx,
    private,
    vary_on_htmx,
)

__all__ = ["desk_view", "error_page", "fahuo_error", "htmx_target", "is_htmx", "private", "vary_on_htmx"]

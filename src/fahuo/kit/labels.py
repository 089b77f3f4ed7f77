"""A stored code shown as its label in the desk's templates: the label filters and badges every
domain's ``templatetags`` register."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString


def label_of(labels: Mapping[str, Any], *, default: str | None = None) -> Callable[[str], str]:
    """A filter showing a code's label; a code without one shows as itself (or as ``default``)."""

    def label(code: str) -> str:
        return str(labels.get(code, code if default is None else default))

    return label


def register_labels(register: template.Library, filters: Mapping[str, Mapping[str, Any]]) -> None:
    """One label filter per table, by filter name: ``{{ alert.kind|kind_label }}``."""
    for name, labels in filters.items():
        register.filter(name, label_of(labels))


def badge(css: str, code: str, labels: Mapping[str, Any]) -> SafeString:
    """``<span class="{css} {css}-{code}">label</span>``: a state coloured by its own class."""
    return format_html('<span class="{} {}-{}">{}</span>', css, css, code, labels.get(code, code))

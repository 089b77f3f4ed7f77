"""The desk's list tables: a table in its scrolling wrapper, or a note when there is nothing to list."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _wrapped(table: str) -> SafeString:
    return format_html('<div class="table-wrap">{}</div>', table)


@register.simple_block_tag
def table_wrap(
    content: str, rows: Any, empty: str, empty_class: str = "muted", empty_id: str = ""
) -> SafeString:
    """``{% table_wrap rows empty=_("Nothing yet.") %}<table>…</table>{% endtable_wrap %}``: the table
    while ``rows`` has any, otherwise the note ``<p class="muted">Nothing yet.</p>``."""
    if rows:
        return _wrapped(content)
    if empty_id:
        return format_html('<p class="{}" id="{}">{}</p>', empty_class, empty_id, empty)
    return format_html('<p class="{}">{}</p>', empty_class, empty)


@register.simple_block_tag
def table_card(content: str, rows: Any, title: str) -> SafeString:
    """``{% table_card rows title=_("Title") %}<table>…</table>{% endtable_card %}``: a card with the
    title and the table while ``rows`` has any; nothing at all otherwise."""
    if not rows:
        return mark_safe("")
    return format_html('<section class="card"><h2>{}</h2>{}</section>', title, _wrapped(content))

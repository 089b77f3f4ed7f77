"""The desk's list tables: a table in its scrolling wrapper, or a note when there is nothing to list."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _id(value: str) -> SafeString:
    return format_html(' id="{}"', value) if value else mark_safe("")


def _table_or_note(
    table: str, rows: Any, empty: str, empty_class: str = "muted", empty_id: str = ""
) -> SafeString:
    if rows:
        return format_html('<div class="table-wrap">{}</div>', table)
    return format_html('<p class="{}"{}>{}</p>', empty_class, _id(empty_id), empty)


@register.simple_block_tag
def table_wrap(
    content: str, rows: Any, empty: str, empty_class: str = "muted", empty_id: str = ""
) -> SafeString:
    """``{% table_wrap rows empty=_("Nothing yet.") %}<table>…</table>{% endtable_wrap %}``: the table
    while ``rows`` has any, otherwise the note ``<p class="muted">Nothing yet.</p>``."""
    return _table_or_note(content, rows, empty, empty_class, empty_id)


@register.simple_block_tag
def table_card(content: str, rows: Any, title: str, empty: str = "", card_id: str = "") -> SafeString:
    """``{% table_card rows title=_("Title") %}<table>…</table>{% endtable_card %}``: a card with the
    title and the table while ``rows`` has any; without rows, the card with the note ``empty``, or
    nothing at all when there is no note."""
    if not (rows or empty):
        return mark_safe("")
    body = _table_or_note(content, rows, empty)
    return format_html('<section class="card"{}><h2>{}</h2>{}</section>', _id(card_id), title, body)

"""The Chinese catalog is complete and its compiled .mo (committed) matches the .po."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr (plural forms: msgid -> msgstr[0]); the header entry is left out."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    field = ""
    fuzzy = False

    def flush() -> None:
        nonlocal fuzzy
        if current.get("msgid"):
            assert not fuzzy, f"fuzzy entry left in {path}: {current['msgid']!r}"
            entries[current["msgid"]] = current.get("msgstr", current.get("msgstr[0]", ""))
        current.clear()
        fuzzy = False

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            flush()
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            current[field] = ast.literal_eval(value)
    return entries


def test_every_message_has_a_chinese_translation() -> None:
    entries = read_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []


def test_the_compiled_catalog_matches_the_po() -> None:
    folder = LOCALE / "zh_Hans" / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for msgid, msgstr in read_po(folder / "django.po").items():
        assert compiled.gettext(msgid) == msgstr, f"django.mo is stale for {msgid!r}: run compilemessages"

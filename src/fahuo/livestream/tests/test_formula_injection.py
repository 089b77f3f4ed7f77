"""A stream title or contact typed as a formula reaches the carrier's peak-notice Excel as text."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from fahuo.livestream.models import LiveSession
from fahuo.livestream.notices import render_xlsx
from fahuo.livestream.tests.test_notices import _notices
from fahuo.livestream.tests.test_planning import session  # noqa: F401  (fixture)

DDE = "=cmd|' /C calc'!A0"


def test_a_formula_title_is_text_in_the_peak_notice_xlsx(session: LiveSession, warehouse: Any) -> None:  # noqa: F811
    session.title = DDE
    session.contact = '=HYPERLINK("http://evil.example","联系")'
    session.save()
    made = _notices(session, warehouse)
    sheet = load_workbook(io.BytesIO(render_xlsx(made)))["ZTO"]
    assert sheet["B3"].value == "'" + DDE and sheet["B3"].data_type == "s"
    assert str(sheet["B7"].value).startswith("'=HYPERLINK") and sheet["B7"].data_type == "s"
    assert sheet["B5"].value == made[1].expected_parcels  # numbers stay numbers

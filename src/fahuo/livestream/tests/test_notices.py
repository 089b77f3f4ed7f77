"""Peak notices: the text, the PDF (text extracted with pypdfium2), the Excel cells, the sending."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2 as pdfium
from openpyxl import load_workbook

from fahuo.inventory.models import Stock
from fahuo.livestream.models import LiveSession
from fahuo.livestream.notices import create_notices, mark_sent, notices_for, render_pdf, render_xlsx
from fahuo.livestream.planning import plan_session
from fahuo.livestream.tests.test_planning import carrier, forecast, session  # noqa: F401  (fixture)


def pdf_pages(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def _notices(session: LiveSession, warehouse: Any) -> list[Any]:  # noqa: F811
    Stock.objects.filter(warehouse=warehouse).update(on_hand=5000)
    carrier("ZTO", "中通快递", per_stream=2000, per_hour=200)
    carrier("YTO", "圆通速递", per_stream=2000, per_hour=200)
    plan = plan_session(session=session, forecast=forecast(1200))
    return create_notices(session=session, plan=plan)


def test_one_notice_per_carrier_with_a_ready_to_send_text(session: LiveSession, warehouse: Any) -> None:  # noqa: F811
    made = _notices(session, warehouse)
    assert [n.carrier.code for n in made] == ["YTO", "ZTO"]
    assert sum(n.expected_parcels for n in made) == 1200
    zto = made[1]
    assert zto.text.startswith("【预警通知】中通快递网点您好：小雨直播间定于11月25日 20:00–22:00开播")
    assert f"约{zto.expected_parcels}单" in zto.text and "杭州市余杭区文一西路1000号" in zto.text
    assert "24小时内揽收率≥98%" in zto.text and "小雨 13800001111" in zto.text
    assert sum(s["parcels"] for s in zto.pickup_slots) == zto.expected_parcels
    again = create_notices(session=session, plan=plan_session(session=session, forecast=forecast(1200)))
    assert {n.pk for n in again} == {n.pk for n in made}  # rewritten in place, not duplicated


def test_the_pdf_carries_the_numbers_and_chinese_text(session: LiveSession, warehouse: Any) -> None:  # noqa: F811
    made = _notices(session, warehouse)
    pages = pdf_pages(render_pdf(notices_for(session=session, code="ZTO")))
    assert len(pages) == 1
    zto = made[1]
    text = pages[0]
    assert "预警通知" in text and "中通快递" in text and f"{zto.expected_parcels} 单" in text
    assert "杭州市余杭区文一西路1000号" in text and "2026-11-25 20:00–22:00" in text
    assert str(zto.pickup_slots[0]["parcels"]) in text


def test_all_carriers_make_one_page_each(session: LiveSession, warehouse: Any) -> None:  # noqa: F811
    _notices(session, warehouse)
    pages = pdf_pages(render_pdf(notices_for(session=session, code="all")))
    assert len(pages) == 2 and "圆通速递" in pages[0] and "中通快递" in pages[1]


def test_the_excel_sheet_has_the_facts_and_hourly_slots(session: LiveSession, warehouse: Any) -> None:  # noqa: F811
    made = _notices(session, warehouse)
    book = load_workbook(io.BytesIO(render_xlsx(made)))
    assert book.sheetnames == ["YTO", "ZTO"]
    sheet = book["ZTO"]
    assert sheet["B1"].value == "中通快递" and sheet["B5"].value == made[1].expected_parcels
    assert sheet["A9"].value == "揽收时段"
    assert sum(row[1] for row in sheet.iter_rows(min_row=10, values_only=True)) == made[1].expected_parcels


def test_sending_is_recorded(session: LiveSession, warehouse: Any, operator: Any) -> None:  # noqa: F811
    notice = _notices(session, warehouse)[0]
    mark_sent(notice=notice, user=operator, via="wechat")
    notice.refresh_from_db()
    assert notice.sent_at and notice.sent_via == "wechat" and notice.sent_by == operator

"""Rate file import: good CSV/XLSX (English and Chinese headers), every bad input named, nothing half-applied."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from fahuo.carriers.importing import RateFileError, import_rate_file
from fahuo.carriers.models import RateLine
from fahuo.carriers.tests.factories import CarrierFactory, RateLineFactory, contract_with_tiers
from fahuo.kit.errors import InvalidInput
from fahuo.kit.testing import detail

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
TODAY = dt.date(2026, 3, 1)
HEADER = "dest_province,first_weight_g,first_price,step_weight_g,step_price,transit_hours,remote_surcharge"


@pytest.fixture
def zto() -> Any:
    return CarrierFactory.create()


def run(data: bytes, filename: str = "rates.csv", **kwargs: Any) -> Any:
    args: dict[str, Any] = {"carrier_code": "ZTO", "origin_province": "浙江省", "today": TODAY}
    with transaction.atomic():
        return import_rate_file(fileobj=io.BytesIO(data), filename=filename, **(args | kwargs))


def snapshot() -> list[tuple[Any, ...]]:
    return list(RateLine.objects.order_by("pk").values_list())


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- good files ---------------------------------------------------------------------------------


def test_an_english_csv_in_grams_and_yuan_becomes_rate_lines_in_fen(zto: Any) -> None:
    result = run((DATA / "rates_en.csv").read_bytes(), filename="rates_en.csv")
    assert result.rows == 5 and result.change.created == 5 and result.origin_province == "浙江省"
    xj = RateLine.objects.get(carrier=zto, dest_province="新疆维吾尔自治区")
    assert (xj.first_weight_g, xj.first_price_fen, xj.step_price_fen, xj.transit_hours) == (
        1000,
        1500,
        1200,
        96,
    )
    assert xj.remote_surcharge_fen == 500 and xj.effective_from == TODAY and xj.announced_on == TODAY
    assert RateLine.objects.get(carrier=zto, dest_province="浙江省").remote_surcharge_fen == 0  # blank cell


def test_chinese_headers_in_kilograms_and_short_province_names_in_gb18030(zto: Any) -> None:
    data = (DATA / "rates_cn.csv").read_text(encoding="utf-8").encode("gb18030")
    result = run(data, filename="中通运价.csv", origin_province="浙江")
    assert result.rows == 7 and result.origin_province == "浙江省"
    xj = RateLine.objects.get(carrier=zto, dest_province="新疆维吾尔自治区")
    assert (xj.step_weight_g, xj.step_price_fen, xj.remote_surcharge_fen) == (500, 600, 500)
    assert RateLine.objects.filter(carrier=zto, dest_province="广西壮族自治区", first_price_fen=450).exists()


def test_an_xlsx_file_with_number_cells(zto: Any) -> None:
    data = xlsx(
        [
            ["目的省份", "首重(kg)", "首重价格(元)", "续重(kg)", "续重价格(元)", "时效(小时)"],
            ["上海市", 1, 3.5, 1, 1.5, 24],
            ["广东省", 0.5, 4.2, 0.5, 1.1, 48],
        ]
    )
    result = run(data, filename="rates.xlsx")
    assert result.rows == 2
    gd = RateLine.objects.get(carrier=zto, dest_province="广东省")
    assert (gd.first_weight_g, gd.first_price_fen, gd.step_weight_g, gd.step_price_fen) == (
        500,
        420,
        500,
        110,
    )


def test_a_dated_import_schedules_a_change_with_notice(zto: Any) -> None:
    RateLineFactory(carrier=zto, dest_province="上海市", first_price_fen=350, step_price_fen=150)
    result = run(
        csv("上海市,1000,3.80,1000,1.50,24,0"),
        effective_from=dt.date(2026, 4, 1),
        announced_on=dt.date(2026, 3, 1),
    )
    assert result.change.price_changes == 1
    assert RateLine.objects.filter(carrier=zto, dest_province="上海市").count() == 2


# --- bad files: named, and nothing applied ------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "row", "column", "words"),
    [
        (["上海市,1000,3.50,1000,1.50,24,0", "广东省,1000,-4.20,1000,2,48,0"], 3, "first_price", "负数"),
        (["上海市,1000,3.50,1000,1.50,24,0", "广东省,1000,四块二,1000,2,48,0"], 3, "first_price", "不是数字"),
        (["上海市,1000,3.50,1000,1.50,24,0", "上海,1000,3.60,1000,1.50,24,0"], 3, "dest_province", "重复"),
        (["火星,1000,3.50,1000,1.50,24,0"], 2, "dest_province", "无法识别的省份"),
        (["上海市,1000,3.50,1000,1.50,1.5,0"], 2, "transit_hours", "整数"),
        (["上海市,1000,3.50,0,1.50,24,0"], 2, "step_weight_g", "大于 0"),
        (["上海市,1000,3.50,1000,,24,0"], 2, "step_price", "为空"),
    ],
)
def test_a_bad_cell_names_file_row_and_column_and_nothing_is_applied(
    zto: Any, rows: list[str], row: int, column: str, words: str
) -> None:
    RateLineFactory(carrier=zto, dest_province="江苏省")
    before = snapshot()
    with pytest.raises(RateFileError) as info:
        run(csv("江苏省,1000,3.50,1000,1.50,36,0", *[r for r in rows]), filename="zto.csv")
    error = info.value
    first = error.errors[0]
    assert (first.file, first.row, first.column) == ("zto.csv", row + 1, column)
    assert words in first.message
    assert "zto.csv" in error.message and f"第 {row + 1} 行" in error.message and column in error.message
    assert detail(error)["errors"][0] == {
        "file": "zto.csv",
        "row": row + 1,
        "column": column,
        "message": first.message,
    }
    assert snapshot() == before


def test_every_bad_row_is_reported_not_only_the_first(zto: Any) -> None:
    with pytest.raises(RateFileError) as info:
        run(csv("上海市,1000,-1,1000,1.50,24,0", "广东省,1000,4,1000,abc,48,0", "江苏省,1000,3,1000,1,36,x"))
    assert [(e.row, e.column) for e in info.value.errors] == [
        (2, "first_price"),
        (3, "step_price"),
        (4, "remote_surcharge"),
    ]
    assert "and 2 more" in info.value.message
    assert RateLine.objects.count() == 0


def test_a_missing_column_is_named_on_the_header_row(zto: Any) -> None:
    with pytest.raises(RateFileError) as info:
        run(csv("上海市,1000,3.5,1000", header="目的省份,首重(g),首重价格(元),续重(g)"), filename="short.csv")
    columns = [e.column for e in info.value.errors]
    assert info.value.errors[0].row == 1
    assert columns == ["step_price / 续重价格(元)", "transit_hours / 时效(小时)"]


def test_an_unknown_carrier_is_named_with_the_file(zto: Any) -> None:
    with pytest.raises(RateFileError) as info:
        run(csv("上海市,1000,3.5,1000,1.5,24,0"), filename="x.csv", carrier_code="NOPE")
    assert "x.csv" in info.value.message and "NOPE" in info.value.message and "ZTO" in info.value.message
    assert info.value.errors[0].column == "carrier / 快递公司"
    assert RateLine.objects.count() == 0


def test_an_unknown_origin_is_refused(zto: Any) -> None:
    with pytest.raises(RateFileError, match="origin"):
        run(csv("上海市,1000,3.5,1000,1.5,24,0"), origin_province="杭州")


@pytest.mark.parametrize(
    ("data", "words"),
    [(HEADER.encode() + b"\n", "没有运价行"), (b"", "空"), (b"\xff\xfe\x00garbage\x81", "")],
)
def test_empty_or_unreadable_files_are_refused(zto: Any, data: bytes, words: str) -> None:
    with pytest.raises(InvalidInput) as info:
        run(data, filename="empty.csv")
    assert "empty.csv" in info.value.message and words in info.value.message


def test_a_price_change_without_enough_notice_is_refused_with_the_file_name(zto: Any) -> None:
    contract_with_tiers(zto, [], notice_days=30)
    RateLineFactory(carrier=zto, dest_province="上海市", first_price_fen=350, step_price_fen=150)
    before = snapshot()
    with pytest.raises(InvalidInput) as info:
        run(csv("上海市,1000,3.80,1000,1.50,24,0", "西藏,1000,18,1000,14,120,8"), filename="涨价.csv")
    assert info.value.message.startswith("涨价.csv")
    assert "30 days' notice" in info.value.message
    assert snapshot() == before  # the new 西藏 lane is not applied either


# --- the command line ---------------------------------------------------------------------------


def test_the_command_imports_a_file_and_prints_json(zto: Any, capsys: Any) -> None:
    from fahuo.cli import main

    code = main(
        ["rates", "import", str(DATA / "rates_cn.csv"), "--carrier", "zto", "--origin", "浙江省", "--json"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == 7 and out["created"] == 7 and out["carrier"] == "ZTO"


def test_the_command_reports_every_bad_row_and_exits_2(zto: Any, capsys: Any, tmp_path: Path) -> None:
    from fahuo.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv("上海市,1000,-3.5,1000,1.5,24,0", "广东省,1000,4,1000,x,48,0"))
    assert main(["rates", "import", str(bad), "--carrier", "ZTO", "--origin", "浙江省"]) == 2
    err = capsys.readouterr().err
    assert "bad.csv，第 2 行，列「first_price」" in err and "第 3 行" in err
    assert main(["rates", "import", str(bad), "--carrier", "ZTO", "--origin", "浙江省", "--json"]) == 2
    body = json.loads(capsys.readouterr().out)
    assert body["error"] == "invalid" and len(body["detail"]["errors"]) == 2
    assert RateLine.objects.count() == 0

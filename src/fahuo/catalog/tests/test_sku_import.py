"""Products from the template: parsing, row-level errors, all-or-nothing, idempotent."""

from __future__ import annotations

import io
from typing import Any

import pytest

from fahuo.catalog.models import Sku
from fahuo.catalog.services import import_skus, parse_traits, parse_weight_g, template_csv


def _import(text: str, name: str = "skus.csv") -> dict[str, Any]:
    return import_skus(fileobj=io.BytesIO(text.encode("utf-8")), filename=name).as_dict()


@pytest.mark.django_db
def test_the_template_imports_as_is_and_a_second_time_changes_nothing() -> None:
    assert _import(template_csv()) == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    mask = Sku.objects.get(code="MASK-10")
    assert mask.weight_g == 1200  # "1.2kg"
    oil = Sku.objects.get(code="OIL-1L")
    assert oil.traits == ["liquid", "fragile"]  # 液体;易碎
    tea = Sku.objects.get(code="TEA-500")
    assert (tea.length_mm, tea.width_mm, tea.height_mm, tea.declared_value_fen) == (300, 200, 90, 29900)
    assert (tea.barcode, tea.shelf) == ("6901234567892", "A-01-03")
    assert _import(template_csv()) == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}


@pytest.mark.django_db
def test_a_bad_row_means_no_row_is_written() -> None:
    text = (
        "sku_code,name,weight_g,traits,declared_value_fen\n"
        "A,甲,1.2kg,fragile,100\n"
        "B,乙,abc,,\n"
        "A,甲二,100,,\n"
        "C,丙,-5,,\n"
        "D,丁,100,sparkly,\n"
        "E,戊,100,,12.5\n"
    )
    report = _import(text)
    rows = {e["row"]: e["reason"] for e in report["errors"]}
    assert sorted(rows) == [3, 4, 5, 6, 7]
    assert "abc" in rows[3] and "重复" in rows[4] and "负数" in rows[5] and "sparkly" in rows[6]
    assert not Sku.objects.exists()


@pytest.mark.django_db
def test_an_update_changes_only_the_cells_given() -> None:
    _import("sku_code,name,weight_g,traits\nA,甲,500,易碎\n")
    assert _import("sku_code,weight_g\nA,0.6kg\n")["updated"] == 1
    sku = Sku.objects.get(code="A")
    assert (sku.name, sku.weight_g, sku.traits) == ("甲", 600, ["fragile"])


@pytest.mark.django_db
def test_chinese_headers_are_read() -> None:
    assert _import("商家编码,商品名称,重量,条码\nX1,茶,2斤,690\n")["created"] == 1
    assert Sku.objects.get(code="X1").weight_g == 1000


def test_weights_and_traits_parse() -> None:
    assert parse_weight_g("650") == 650
    assert parse_weight_g("650g") == 650
    assert parse_weight_g("1.2 kg") == 1200
    assert parse_weight_g("") is None
    assert parse_traits("fragile；液体、COLD") == ["fragile", "liquid", "cold"]
    with pytest.raises(ValueError):
        parse_weight_g("abc")

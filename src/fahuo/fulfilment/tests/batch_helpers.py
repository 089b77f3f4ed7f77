"""Builders and fixtures shared by the print-batch tests: orders with SKUs, the Kdniao simulator over
HTTP with an account and a carrier for it, PDF readers. Test modules bind the fixtures by name."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from fahuo.carriers.models import Carrier, ProviderAccount
from fahuo.catalog.models import Sku
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.integrations.simserver import serve
from fahuo.inventory.models import Warehouse
from fahuo.orders.models import Order, OrderLine, OrderStatus
from fahuo.orders.services import apply_verification, verify_recipient

EBID, APP_KEY = "fahuo-test", "fahuo-test-app-key"
_seq = itertools.count(1)


def offline_test_carrier() -> Carrier:
    """The sandbox as an owner adds it on purpose: a test carrier (测试面单). Orders need a carrier
    to print; fahuo no longer falls back to a sandbox for an order that has none."""
    carrier, _ = Carrier.objects.get_or_create(
        code="SANDBOX", defaults={"name": "沙箱快递", "provider": "sandbox", "test_mode": True}
    )
    return carrier


def make_order(
    shop: Any,
    skus: list[tuple[Sku | None, int]] | None = None,
    *,
    carrier: Carrier | None = None,
    warehouse: Warehouse | None = None,
    detail: str = "南苑街道88号",
    phone: str = "13812345678",
) -> Order:
    """A verified ready order with the given (SKU, quantity) lines (one untracked line if none)."""
    n = next(_seq)
    order = Order(
        shop=shop,
        platform_order_id=f"B{n:07d}",
        status=OrderStatus.READY,
        carrier=carrier or offline_test_carrier(),
        warehouse=warehouse,
    )
    apply_verification(
        order=order,
        verification=verify_recipient(
            name="李小雨", phone=phone, province="浙江省", city="杭州市", district="临平区", detail=detail
        ),
    )
    order.save()
    for k, (sku, qty) in enumerate(skus or [(None, 1)], start=1):
        OrderLine.objects.create(
            order=order,
            platform_line_id=f"{n}-{k}",
            sku=sku,
            sku_code=sku.code if sku else "",
            title=sku.name if sku else "玻尿酸面膜",
            spec="",
            quantity=qty,
        )
    return order


def sku(code: str, weight_g: int | None = 300) -> Sku:
    return Sku.objects.create(code=code, name=f"商品{code}", weight_g=weight_g, short_name=code)


def pdf_pages(path: Path) -> int:
    return len(pdfium.PdfDocument(str(path)))


def pdf_text(path: Path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


@pytest.fixture(autouse=True)
def output_dir(settings: Any, tmp_path: Path) -> None:
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"


@pytest.fixture
def kdniao_sim() -> KdniaoSimulator:
    return KdniaoSimulator.with_accounts({EBID: APP_KEY})


@pytest.fixture
def kdniao_url(kdniao_sim: KdniaoSimulator) -> Iterator[str]:
    with serve(kdniao_sim) as url:
        yield url


@pytest.fixture
def zto(db: Any, kdniao_url: str) -> Carrier:
    """中通 through the Kdniao simulator over HTTP, with an account for it."""
    carrier = Carrier.objects.create(code="ZTO", name="中通快递", provider="kdniao")
    ProviderAccount.objects.create(
        provider="kdniao",
        name="快递鸟（测试）",
        base_url=kdniao_url,
        credentials=json.dumps(
            {
                "ebusiness_id": EBID,
                "app_key": APP_KEY,
                "customer_name": "ZT-HZ-0001",
                "customer_pwd": "pw",
                "max_attempts": 2,
                "timeout_s": 5,
            }
        ),
    )
    return carrier

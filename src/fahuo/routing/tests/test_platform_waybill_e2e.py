"""End to end, no plaintext: an encrypted 抖店 order imported from the export → held → released to
抖音电子面单 → allocated (only to the carrier that prints it) → number drawn from its ciphertext on
the 抖店 simulator → label sent to the print-component simulator → shipped back to 抖店.

fahuo must not store, log or print the receiver: the simulator alone knows it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.core import serializers
from django.db import connection
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.carriers.models import ProviderAccount
from fahuo.fulfilment.models import Waybill
from fahuo.fulfilment.services import print_orders
from fahuo.integrations.douyin import print_component, sim_orders
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.kit.errors import Conflict
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.platform_waybill import PLATFORM_WAYBILL, release_to_platform_waybill
from fahuo.orders.tests import douyin_files as df

APP_KEY, APP_SECRET, TOKEN = "6839207088506275336", "sim-secret-1", "sim-token-1"
OID = "6926000000000000777"
PERSON = {
    "name": "欧阳明月",
    "phone": "13712345678",
    "province": "广东省",
    "city": "广州市",
    "town": "天河区",
    "street": "林和街道",
    "detail": "天河北路 233 号中信广场 5208",
}


@pytest.fixture
def sim() -> DouyinSimulator:
    s = DouyinSimulator.with_app(APP_KEY, APP_SECRET, TOKEN)
    s.add_netsite("shunfeng", amount=10)
    s.add_synthetic_order(OID, recipient=PERSON)
    return s


@pytest.fixture(params=["own account", "the shop's 抖店 account"])
def desk(request, sim: DouyinSimulator, world, settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The 抖店 app account, and either a 抖音电子面单 account of its own or none (it then runs on
    the shop's 抖店 account)."""
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    component = print_component.PrintComponentSimulator()
    with serve(sim) as base_url, print_component.serve_component(component) as ws_url:
        creds = {"app_key": APP_KEY, "app_secret": APP_SECRET, "access_token": TOKEN, "backoff_s": 0.01}
        own = request.param == "own account"
        # fahuo runs on the desk PC here: it sends the print task itself (print_from=server)
        printing = {"print_component_url": ws_url, "print_from": "server"}
        shop_creds = creds if own else {**creds, **printing}
        ProviderAccount.objects.create(
            provider="douyin",
            name="抖店",
            shop=world.shop,
            base_url=base_url,
            credentials=json.dumps(shop_creds),
        )
        if own:
            ProviderAccount.objects.create(
                provider="douyin_waybill",
                name="抖音电子面单",
                shop=world.shop,
                base_url=base_url,
                credentials=json.dumps({**creds, **printing}),
            )
        yield {"component": component, "output": str(tmp_path / "output")}  # type: ignore[dict-item]


def _export(sim: DouyinSimulator) -> bytes:
    """The seller's export: the receiver as 抖店 writes it since 2021 — ciphertext only."""
    kinds = (
        ("name", sim_orders.DATA_NAME),
        ("phone", sim_orders.DATA_PHONE),
        ("detail", sim_orders.DATA_ADDRESS),
    )
    cipher = {k: sim_orders.cipher(OID, PERSON[k], t) for k, t in kinds}
    row = df.order(
        OID,
        df.Line(sim.orders[OID].line_ids[0], title="龙井", sku="TEA"),
        name=cipher["name"],
        phone=cipher["phone"],
        detail=cipher["detail"],
        province="广东省",
        city="广州市",
        district="天河区",
        street="林和街道",
    )
    return df.to_csv(df.export_rows([row]))


def _allocate(user) -> None:
    _, raw = ApiToken.issue(user=user, name="e2e")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    run = api.post("/api/allocation/runs", {}, content_type="application/json").json()
    applied = api.post(f"/api/allocation/runs/{run['id']}/apply", {}, content_type="application/json")
    assert applied.status_code == 200, applied.content


def _everything_fahuo_stored() -> str:
    """Every row of every table, read through the ORM (encrypted fields decrypted) and raw."""
    parts = [serializers.serialize("json", model._default_manager.all()) for model in apps.get_models()]
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT * FROM "{table}"')
            parts.append(repr(cur.fetchall()))
    return json.dumps(parts, ensure_ascii=False)


def test_an_encrypted_order_ships_through_douyin_waybill_with_no_plaintext(
    world,
    operator,
    sim: DouyinSimulator,
    desk,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks,
) -> None:
    caplog.set_level(logging.DEBUG)
    sf = world.carriers["SF"]
    sf.provider = "douyin_waybill"
    sf.save(update_fields=["provider"])
    if hasattr(world.shop, "shipback_at"):  # ship back when the label is printed
        world.shop.shipback_at = "print"
        world.shop.save(update_fields=["shipback_at"])

    import_orders_file(fileobj=io.BytesIO(_export(sim)), filename="1762776334_订单导出.csv", shop=world.shop)
    order = Order.objects.get(platform_order_id=OID)
    assert order.status == OrderStatus.NEEDS_REVIEW
    assert [r["code"] for r in order.review_reasons] == ["encrypted"]

    # Held: printing it as it stands is refused, and nothing is allocated to it.
    assert print_orders(orders=[order]).failed[0][1].startswith("订单待审核")

    release_to_platform_waybill(order=order, user=operator)
    with pytest.raises(Conflict):
        release_to_platform_waybill(order=Order.objects.get(pk=order.pk), user=operator)
    _allocate(operator)
    order.refresh_from_db()
    assert order.carrier == sf  # ZTO would be cheaper but cannot print an encrypted order

    with django_capture_on_commit_callbacks(execute=True):  # the ship-back runs after commit
        result = print_orders(orders=Order.objects.filter(pk=order.pk), user=operator)
    assert (result.failed, result.pages, result.platform_printed) == ([], 0, 1)
    order.refresh_from_db()
    waybill = Waybill.objects.get(parcel__order=order)
    assert order.status == OrderStatus.PRINTED and waybill.provider == "douyin_waybill"
    component = desk["component"]
    assert component.printed() == [waybill.tracking_no]
    # shipped back to 抖店 with the platform's own number
    assert sim.shipped(OID) == [(waybill.tracking_no, "shunfeng", sim.orders[OID].line_ids)]
    assert not list(Path(desk["output"]).glob("**/*.pdf"))  # no label file holds this order

    plain = [PERSON["name"], PERSON["phone"], PERSON["detail"], PERSON["detail"][:6]]
    stored = _everything_fahuo_stored()
    logged = caplog.text
    frames = "".join(component.frames)
    sent = json.dumps(sim.waybill.received, ensure_ascii=False)
    for text in plain:
        assert text not in stored, f"stored: {text}"
        assert text not in logged, f"logged: {text}"
        assert text not in frames, f"printed: {text}"
        assert text not in sent, f"sent: {text}"
    assert OID in stored and waybill.tracking_no in stored and PLATFORM_WAYBILL in stored
    assert "order.batchDecrypt" not in {c.method for c in sim.calls}


def test_the_same_order_on_a_carrier_that_cannot_print_it_is_refused_by_name(
    world, operator, sim, desk
) -> None:
    import_orders_file(fileobj=io.BytesIO(_export(sim)), filename="1762776334_订单导出.csv", shop=world.shop)
    order = Order.objects.get(platform_order_id=OID)
    release_to_platform_waybill(order=order, user=operator)
    order.carrier = world.carriers["ZTO"]  # set by hand, past the allocation
    order.warehouse = world.hz
    order.save(update_fields=["carrier", "warehouse"])
    result = print_orders(orders=[order], user=operator)
    assert result.failed == [
        (
            order.pk,
            "收件信息为平台密文，只能用抖音电子面单打印：请把订单改派到电子面单服务为抖音电子面单的快递",
        )
    ]
    assert not Waybill.objects.filter(parcel__order=order).exists()


def test_a_batch_refuses_the_order_on_a_carrier_that_cannot_print_it_by_name(world, operator, sim) -> None:
    from fahuo.fulfilment.batches.services import create_batch
    from fahuo.fulfilment.labels.platform_print import NEEDS_PLATFORM_WAYBILL

    import_orders_file(fileobj=io.BytesIO(_export(sim)), filename="1762776334_订单导出.csv", shop=world.shop)
    order = Order.objects.get(platform_order_id=OID)
    release_to_platform_waybill(order=order, user=operator)
    order.carrier = world.carriers["ZTO"]  # set by hand, past the allocation
    order.save(update_fields=["carrier"])
    made = create_batch(orders=[order.pk], user=operator, enqueue=False)
    assert (list(made), made.skipped) == ([], [(order.pk, NEEDS_PLATFORM_WAYBILL)])

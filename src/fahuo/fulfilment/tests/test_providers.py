"""Batches through the real providers' adapters (simulators over HTTP) and the account each parcel uses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fahuo.carriers.models import Carrier, ProviderAccount
from fahuo.fulfilment.batches.services import create_batch, run_batch
from fahuo.fulfilment.labels.voids import cancel_waybill
from fahuo.fulfilment.models import BatchStatus, PrintBatchItem, Waybill
from fahuo.fulfilment.providers import ProviderPool
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import make_order, sku
from fahuo.integrations.kuaidi100.simulator import (
    DEMO_KEY,
    DEMO_PARTNER_ID,
    DEMO_SECRET,
    SimulatorState,
    make_app,
)
from fahuo.integrations.simserver import serve
from fahuo.kit.errors import NotSupported
from fahuo.orders.models import Shop

output_dir = h.output_dir  # fixture


@pytest.fixture
def k100_state() -> SimulatorState:
    return SimulatorState()


@pytest.fixture
def k100_url(k100_state: SimulatorState) -> Iterator[str]:
    with serve(make_app(k100_state)) as url:
        yield url


def k100_account(url: str, **extra: Any) -> ProviderAccount:
    creds = {"key": DEMO_KEY, "secret": DEMO_SECRET, "partner_id": DEMO_PARTNER_ID}
    return ProviderAccount.objects.create(
        provider="kuaidi100", name="快递100", base_url=url, credentials=json.dumps(creds), **extra
    )


@pytest.mark.django_db
def test_a_kuaidi100_batch_issues_numbers_and_cancel_passes_the_provider_ref(
    shop: Any, k100_url: str, k100_state: SimulatorState, owner: Any
) -> None:
    sf = Carrier.objects.create(code="SF", name="顺丰速运", provider="kuaidi100")
    k100_account(k100_url)
    tea = sku("TEA", 250)
    orders = [make_order(shop, [(tea, 2)], carrier=sf) for _ in range(4)]
    [batch] = create_batch(orders=orders, enqueue=False)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and (done.status, done.issued) == (BatchStatus.DONE, 4)
    waybills = list(Waybill.objects.all())
    assert all(w.tracking_no.startswith("SF") and w.provider == "kuaidi100" for w in waybills)
    assert all(w.provider_ref for w in waybills)  # 顺丰 needs its carrier order number to cancel
    cancel_waybill(order=orders[0], reason="customer_cancelled", user=owner)
    assert Waybill.objects.count() == 3


@pytest.mark.django_db
def test_kuaidi100_out_of_range_fails_that_order_only(shop: Any, k100_url: str) -> None:
    zto = Carrier.objects.create(code="ZTO", name="中通快递", provider="kuaidi100")
    k100_account(k100_url)
    cup = sku("CUP")
    good = make_order(shop, [(cup, 1)], carrier=zto)
    bad = make_order(shop, [(cup, 1)], carrier=zto, detail="超区路1号")
    [batch] = create_batch(orders=[good, bad], enqueue=False)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and (done.issued, done.failed) == (1, 1)
    assert "超区" in PrintBatchItem.objects.get(order=bad).error


@pytest.mark.django_db
def test_the_most_specific_active_account_wins(shop: Any, k100_url: str) -> None:
    zto = Carrier.objects.create(code="ZTO", name="中通快递", provider="kuaidi100")
    yto = Carrier.objects.create(code="YTO", name="圆通速递", provider="kuaidi100")
    other_shop = Shop.objects.create(code="other", name="别的店")
    general = k100_account(k100_url)
    for_zto = k100_account(k100_url, carrier=zto)
    for_shop = k100_account(k100_url, shop=shop)
    exact = k100_account(k100_url, carrier=zto, shop=shop)
    k100_account(k100_url, carrier=zto, shop=shop, active=False)
    pool = ProviderPool()
    pick = pool.account_for
    assert pick(provider="kuaidi100", carrier_id=zto.pk, shop_id=shop.pk) == exact
    assert pick(provider="kuaidi100", carrier_id=zto.pk, shop_id=other_shop.pk) == for_zto
    assert pick(provider="kuaidi100", carrier_id=yto.pk, shop_id=shop.pk) == for_shop
    assert pick(provider="kuaidi100", carrier_id=yto.pk, shop_id=other_shop.pk) == general
    assert pick(provider="sandbox", carrier_id=yto.pk, shop_id=shop.pk) is None


@pytest.mark.django_db
def test_an_account_for_another_shop_is_never_used(shop: Any, k100_url: str) -> None:
    zto = Carrier.objects.create(code="ZTO", name="中通快递", provider="kuaidi100")
    k100_account(k100_url, shop=Shop.objects.create(code="other", name="别的店"))
    with pytest.raises(NotSupported) as err:
        ProviderPool().adapter(provider="kuaidi100", carrier_id=zto.pk, shop_id=shop.pk)
    assert "快递100" in err.value.message


@pytest.mark.django_db
def test_adapters_are_built_once_per_account_and_closed(shop: Any, k100_url: str) -> None:
    zto = Carrier.objects.create(code="ZTO", name="中通快递", provider="kuaidi100")
    k100_account(k100_url)
    with ProviderPool() as pool:
        first = pool.adapter(provider="kuaidi100", carrier_id=zto.pk, shop_id=shop.pk)
        assert pool.adapter(provider="kuaidi100", carrier_id=zto.pk, shop_id=None) is first
    assert pool._adapters == {}

"""Rates pages through Django's test client: roles, the htmx quote fragment, upload reports, contract preview."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fahuo.accounts.models import AuditLog
from fahuo.carriers.models import RateLine
from fahuo.carriers.tests.factories import CarrierFactory, RateLineFactory, card, contract_with_tiers
from fahuo.desk.tests.conftest import login, make_order

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
HX = {"HX-Request": "true", "HX-Target": "quote-result"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def carriers() -> dict[str, Any]:
    zto = CarrierFactory.create(code="ZTO", name="中通快递", insured=False)
    sf = CarrierFactory.create(code="SF", name="顺丰速运", cold_chain=True, volumetric_divisor=6000)
    card(zto, {"浙江省": (300, 100), "上海市": (350, 150), "新疆维吾尔自治区": (1500, 1200)})
    card(sf, {"浙江省": (1200, 300), "上海市": (1250, 500)})
    RateLineFactory(carrier=zto, dest_province="上海市", first_price_fen=380, step_price_fen=150,
                    effective_from=timezone.localdate() + dt.timedelta(days=40),
                    announced_on=timezone.localdate())  # fmt: skip
    contract_with_tiers(zto, [(50, -30), (100, -50)], min_daily_parcels=20, starts_on=dt.date(2020, 1, 1))
    return {"ZTO": zto, "SF": sf}


def upload(client: Client, data: bytes, name: str = "rates.csv", **extra: str) -> Any:
    form = {"carrier": "ZTO", "origin": "浙江省", "file": SimpleUploadedFile(name, data), **extra}
    return client.post(reverse("carriers:upload"), form)


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["carriers:rates", "carriers:quote"])
def test_anonymous_users_go_to_the_login_form(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_rates_page_lists_carriers_with_flags_and_contract(owner: Any, carriers: Any) -> None:
    page = login(owner).get(reverse("carriers:rates")).content.decode()
    assert "运价" in page and 'aria-current="page">运价' in page
    assert "中通快递" in page and "顺丰速运" in page
    assert 'class="flag on" data-flag="cold_chain">冷链' in page  # 顺丰
    assert "2026 直播合作" in page and "保底每天 20 单" in page
    assert "≥ 50/" in page and "−¥0.30" in page
    assert "上传运价表" in page


def test_a_packer_reads_rates_but_cannot_upload(packer: Any, carriers: Any) -> None:
    client = login(packer)
    page = client.get(reverse("carriers:rates")).content.decode()
    assert "中通快递" in page and "只有店主和运营可以修改价格" in page
    assert 'action="/carriers/upload/"' not in page
    before = RateLine.objects.count()
    response = upload(client, (DATA / "rates_en.csv").read_bytes())
    assert response.status_code == 403
    assert RateLine.objects.count() == before


def test_a_packer_can_run_a_quote(packer: Any, carriers: Any) -> None:
    response = login(packer).get(
        reverse("carriers:quote"),
        {"carrier": "ZTO", "origin": "浙江省", "dest": "上海市", "weight_kg": "2.5"},
    )
    assert response.status_code == 200 and "¥6.50" in response.content.decode()


# --- quote calculator ---------------------------------------------------------------------------


def test_the_htmx_quote_is_a_fragment_with_the_breakdown(operator: Any, carriers: Any) -> None:
    response = login(operator).get(
        reverse("carriers:quote"),
        {
            "carrier": "ZTO",
            "origin": "浙江省",
            "dest": "新疆维吾尔自治区",
            "weight_kg": "1.2",
            "daily_avg": "60",
        },
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-total-fen="2670"' in html  # 15.00 + 12.00 − 0.30
    assert 'data-line="first"' in html and 'data-line="step"' in html and 'data-line="tier"' in html
    assert "Vary" in response and "HX-Request" in response["Vary"]


def test_an_empty_carrier_compares_every_carrier_cheapest_first(operator: Any, carriers: Any) -> None:
    html = (
        login(operator)
        .get(reverse("carriers:quote"), {"origin": "浙江省", "dest": "上海市", "weight_kg": "1"}, headers=HX)
        .content.decode()
    )
    assert html.index('data-carrier="ZTO"') < html.index('data-carrier="SF"')
    assert "最便宜" in html


def test_a_lane_not_served_is_explained(operator: Any, carriers: Any) -> None:
    html = (
        login(operator)
        .get(
            reverse("carriers:quote"),
            {"origin": "浙江省", "dest": "新疆维吾尔自治区", "weight_kg": "1"},
            headers=HX,
        )
        .content.decode()
    )
    assert 'class="not-served"' in html and "该线路无价格" in html


def test_insurance_with_a_carrier_that_has_none_says_why(operator: Any, carriers: Any) -> None:
    html = (
        login(operator)
        .get(
            reverse("carriers:quote"),
            {
                "carrier": "ZTO",
                "origin": "浙江省",
                "dest": "上海市",
                "weight_kg": "1",
                "insured": "on",
                "declared_yuan": "300",
            },
            headers=HX,
        )
        .content.decode()
    )
    assert 'id="quote-not-served"' in html and "不提供保价" in html


def test_a_bad_quote_form_answers_400_with_the_field(operator: Any, carriers: Any) -> None:
    response = login(operator).get(
        reverse("carriers:quote"), {"origin": "浙江省", "dest": "上海市", "weight_kg": "-1"}, headers=HX
    )
    assert response.status_code == 400 and "重量（kg）" in response.content.decode()


def test_the_quote_without_javascript_renders_the_whole_page(operator: Any, carriers: Any) -> None:
    response = login(operator).get(
        reverse("carriers:quote"), {"carrier": "SF", "origin": "浙江省", "dest": "上海市", "weight_kg": "0.5"}
    )
    html = response.content.decode()
    assert "<html" in html and 'data-total-fen="1250"' in html


# --- upload -------------------------------------------------------------------------------------


def test_an_operator_uploads_a_good_card_and_lands_on_the_carrier(operator: Any, carriers: Any) -> None:
    client = login(operator)
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = upload(client, (DATA / "rates_cn.csv").read_bytes(), name="中通.csv", effective_from=later)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("carriers:carrier", args=["ZTO"]))
    page = client.get(response["Location"]).content.decode()
    assert "运价表已导入" in page and "西藏自治区" in page
    assert AuditLog.objects.filter(action="rates.import", object_id="ZTO").exists()


def test_a_bad_card_gets_a_row_report_and_nothing_is_applied(operator: Any, carriers: Any) -> None:
    before = list(RateLine.objects.order_by("pk").values_list())
    data = (
        "目的省份,首重(kg),首重价格(元),续重(kg),续重价格(元),时效(小时)\n上海,1,3,1,1,24\n火星,1,-3,1,1,24\n"
    )
    response = upload(login(operator), data.encode(), name="坏表.csv")
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="upload-errors"' in html and "未写入任何价格" in html
    assert "坏表.csv" in html and "无法识别的省份" in html and "首重价格(元)" in html
    assert '<td class="num">3</td>' in html
    assert list(RateLine.objects.order_by("pk").values_list()) == before


def test_a_price_change_without_notice_is_reported(owner: Any, carriers: Any) -> None:
    data = (
        "dest_province,first_weight_g,first_price,step_weight_g,step_price,transit_hours\n"
        "上海市,1000,9.99,1000,1.50,24\n"
    )
    response = upload(login(owner), data.encode())
    html = response.content.decode()
    assert response.status_code == 422 and "调价通知期不足" in html


def test_a_file_that_is_not_a_spreadsheet_is_refused_by_the_form(operator: Any, carriers: Any) -> None:
    response = upload(login(operator), b"%PDF", name="rates.pdf")
    assert response.status_code == 400 and ".csv" in response.content.decode()


# --- carrier page -------------------------------------------------------------------------------


def test_the_carrier_page_shows_the_card_upcoming_changes_and_contract(operator: Any, carriers: Any) -> None:
    page = login(operator).get(reverse("carriers:carrier", args=["ZTO"])).content.decode()
    assert 'data-dest="上海市"' in page and "¥3.50" in page
    upcoming = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    assert f'data-upcoming="{upcoming}"' in page and "¥3.80" in page
    assert "每天 20 单" in page and "30 天" in page
    assert 'id="billing-days"' in page


def test_the_card_on_a_later_date_shows_the_new_price(operator: Any, carriers: Any) -> None:
    later = (timezone.localdate() + dt.timedelta(days=41)).isoformat()
    page = login(operator).get(reverse("carriers:carrier", args=["ZTO"]), {"on": later}).content.decode()
    row = page[page.index('data-dest="上海市"') :]
    assert row.index("¥3.80") < row.index("</tr>")


def test_the_billing_preview_counts_printed_parcels_and_the_shortfall(
    operator: Any, carriers: Any, shop: Any, warehouse: Any
) -> None:
    from fahuo.fulfilment.models import Parcel, Waybill

    zto = carriers["ZTO"]
    for i in range(3):
        order = make_order(shop)
        parcel = Parcel.objects.create(order=order, carrier=zto, warehouse=warehouse, weight_g=1500)
        Waybill.objects.create(
            parcel=parcel, carrier=zto, provider="sandbox", tracking_no=f"ZT{i}", request_id=f"r{i}"
        )
    page = login(operator).get(reverse("carriers:carrier", args=["ZTO"])).content.decode()
    today = timezone.localdate().isoformat()
    row = page[page.index(f'data-day="{today}"') :]
    row = row[: row.index("</tr>")]
    # 3 parcels 浙江→浙江 at 1.5 kg: 3 × (3.00 + 1.00); 17 short of 20 at the cheapest first price 3.00
    assert '<td class="num">3</td>' in row and "¥12.00" in row and "17 × ¥3.00" in row
    assert "¥63.00" in row


def test_an_unknown_carrier_is_404(operator: Any) -> None:
    assert login(operator).get(reverse("carriers:carrier", args=["NOPE"])).status_code == 404


# --- admin --------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db: Any) -> Client:
    from django.contrib.auth.models import User

    User.objects.create_superuser(username="root", password="fahuo-test-pw", email="")
    client = Client()
    assert client.login(username="root", password="fahuo-test-pw")
    return client


@pytest.mark.parametrize(
    "model",
    [
        "carriers/carrier",
        "carriers/rateline",
        "carriers/contract",
        "carriers/volumetier",
        "carriers/capacity",
        "credentials/provideraccount",  # the model lives in fahuo.integrations.credentials
    ],
)
def test_every_carriers_model_has_an_admin_list(admin_client: Client, carriers: Any, model: str) -> None:
    assert admin_client.get(f"/admin/{model}/").status_code == 200


def test_provider_credentials_are_never_shown_in_the_admin(admin_client: Client, carriers: Any) -> None:
    from fahuo.carriers.models import ProviderAccount

    account = ProviderAccount.objects.create(
        provider="kdniao",
        name="快递鸟",
        credentials='{"app_key": "SECRET-KEY-123", "ebusiness_id": "1700001"}',
    )
    listing = admin_client.get("/admin/credentials/provideraccount/").content.decode()
    assert "app_key=••••" in listing and "SECRET-KEY-123" not in listing and "1700001" not in listing
    form = admin_client.get(f"/admin/credentials/provideraccount/{account.pk}/change/").content.decode()
    assert "SECRET-KEY-123" not in form
    response = admin_client.post(
        f"/admin/credentials/provideraccount/{account.pk}/change/",
        {"provider": "kdniao", "name": "快递鸟", "base_url": "", "active": "on", "new_credentials": ""},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.credential_dict()["app_key"] == "SECRET-KEY-123"  # blank keeps the stored credentials

"""Shop separation, generated: every URL pattern of the URLconf and every OpenAPI operation is called
as a user (and as API tokens) of shop A with shop B's record ids in the path and B's code in the
query, and nothing of shop B may come back — no B order number, name, address, stream title or shop
name in any page, JSON, PDF or XLSX — and no B record may change. The lists are read from Django's
resolver and from the OpenAPI document at test time, so an endpoint added later is walked by itself.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from fahuo.accounts.models import ApiToken
from fahuo.accounts.services import add_member
from fahuo.orders.models import Order, OrderStatus, Shop

pytestmark = pytest.mark.django_db

# Public or shop-less paths, not walked (each says why).
ALLOWLIST = {
    "public:track",  # /t/<token>: the buyer's tracking page, reached by an unguessable token only
    "hooks:kdniao",  # carrier/platform pushes: signed by the provider, no user session
    "hooks:kuaidi100",
    "hooks:douyin",
    "login",  # the login form
    "logout",
    "set_language",  # i18n: stores the UI language, no data
    "api:openapi-json",  # the API's description (no records)
    "api:openapi-view",
}
# The admin site is for owners of every shop (staff); a shop member is not staff and only gets its
# login page (test_a_shop_member_is_kept_out_of_the_admin_site).
ADMIN_PREFIX = "admin:"

SECRET_ORDER = "B-SECRET-880017"
SECRET_ORDER_2 = "B-SECRET-880018"
SECRET_NAME = "欧阳秘密"
SECRET_PHONE = "13988007781"
SECRET_DETAIL = "秘密路88号乙栋"
SECRET_SHOP = "乙店秘密旗舰"
SECRET_LIVE = "乙店秘密直播"
SECRET_TRACKING = "SF7788990011"
SECRET_BATCH = "乙店秘密批次"
MARKERS = [
    SECRET_ORDER,
    SECRET_ORDER_2,
    SECRET_NAME,
    SECRET_PHONE,
    SECRET_DETAIL,
    SECRET_SHOP,
    SECRET_LIVE,
    SECRET_TRACKING,
    SECRET_BATCH,
]


def _shop_b_records() -> dict[str, Any]:
    """Shop B with one record of every shop-owned kind."""
    from fahuo.carriers.models import Carrier
    from fahuo.fulfilment.models import (
        BrandInsert,
        Parcel,
        ParcelStatus,
        PrintBatch,
        PrintBatchItem,
        ShipBack,
        Waybill,
    )
    from fahuo.livestream.models import LiveSession, PeakNotice, SessionReview
    from fahuo.notify.models import OutboxMessage
    from fahuo.orders.models import ImportBatch
    from fahuo.routing.models import AllocationDecision, AllocationRun
    from fahuo.tracking.models import Alert, PlatformMessage, Track, TrackStatus

    now = timezone.now()
    shop_b = Shop.objects.create(code="bshop", name=SECRET_SHOP, platform="douyin")
    carrier, _ = Carrier.objects.get_or_create(
        code="ZTO", defaults={"name": "中通快递", "provider": "sandbox"}
    )
    common = {
        "shop": shop_b,
        "recipient_name": SECRET_NAME,
        "recipient_phone": SECRET_PHONE,
        "province": "浙江省",
        "city": "杭州市",
        "district": "余杭区",
        "address_detail": SECRET_DETAIL,
        "paid_at": now - dt.timedelta(hours=3),
        "ship_by": now + dt.timedelta(hours=40),
    }
    printed = Order.objects.create(platform_order_id=SECRET_ORDER, status=OrderStatus.PRINTED, **common)
    ready = Order.objects.create(platform_order_id=SECRET_ORDER_2, status=OrderStatus.READY, **common)
    parcel = Parcel.objects.create(order=printed, carrier=carrier, status=ParcelStatus.LABELLED)
    waybill = Waybill.objects.create(
        parcel=parcel, carrier=carrier, provider="sandbox", tracking_no=SECRET_TRACKING, request_id="b-req-1"
    )
    batch = PrintBatch.objects.create(name=SECRET_BATCH, status="done", total=1, issued=1)
    PrintBatchItem.objects.create(batch=batch, order=printed, seq=1, status="issued")
    run = AllocationRun.objects.create(orders=1, assigned=1)
    AllocationDecision.objects.create(
        run=run, order=ready, carrier=carrier, freight_fen=300, reason="cheapest"
    )
    track = Track.objects.create(
        waybill=waybill,
        order=printed,
        tracking_no=SECRET_TRACKING,
        carrier_code="ZTO",
        status=TrackStatus.AWAITING_PICKUP,
        issued_at=now - dt.timedelta(hours=30),
        status_at=now - dt.timedelta(hours=30),
        dest_province="浙江省",
    )
    alert = Alert.objects.create(
        kind="no_pickup", order=printed, track=track, tracking_no=SECRET_TRACKING, since=now
    )
    message = PlatformMessage.objects.create(
        provider="douyin", msg_id="b-msg-1", tag="101", shop=shop_b, platform_order_id=SECRET_ORDER_2
    )
    session = LiveSession.objects.create(
        shop=shop_b,
        title=SECRET_LIVE,
        starts_at=now - dt.timedelta(hours=6),
        ends_at=now - dt.timedelta(hours=4),
        status="finished",
    )
    notice = PeakNotice.objects.create(session=session, carrier=carrier, expected_parcels=5, text=SECRET_LIVE)
    review = SessionReview.objects.create(session=session, kind="24h", data={"title": SECRET_LIVE})
    outbox = OutboxMessage.objects.create(
        order=printed,
        template_key="shipped",
        channel="sms",
        body=f"{SECRET_NAME} 您的包裹 {SECRET_TRACKING}",
        dedupe_key="b-outbox-1",
    )
    imports = ImportBatch.objects.create(shop=shop_b, filename=f"{SECRET_SHOP}.csv", file_format="fahuo")
    shipback = ShipBack.objects.create(order=printed, waybill_no=SECRET_TRACKING, company_code="zhongtong")
    insert = BrandInsert.objects.create(shop=shop_b, kind="thank_you", text=SECRET_SHOP)
    # A claim on B's parcel and the carrier's weekly statement with B's late parcel in it.
    from fahuo.carriers.models import RateLine
    from fahuo.contracts import services as contracts

    RateLine.objects.create(carrier=carrier, origin_province="浙江省", dest_province="浙江省", first_price_fen=500,
                            step_price_fen=100, effective_from=dt.date(2020, 1, 1))  # fmt: skip
    claim = contracts.open_claim(carrier=carrier, tracking_no=SECRET_TRACKING, kind="damage", amount_fen=990,
                                 note=f"{SECRET_NAME} 外箱破损")  # fmt: skip
    today = timezone.localdate(track.issued_at)
    statement = contracts.generate_statement(
        carrier_code="ZTO", week_start=today - dt.timedelta(days=today.weekday()), as_of=now
    )
    assert SECRET_TRACKING in statement.data["late_tracking_nos"]  # B's parcel is in the statement
    # After-sales: a return with a kept packing photo, and an out-of-stock offer to B's buyer.
    from fahuo.aftersales.models import Evidence, Rma, StockChoice

    rma = Rma.objects.create(shop=shop_b, order=printed, platform_order_id=SECRET_ORDER, source="manual",
                             kind="return_refund", reason=SECRET_DETAIL)  # fmt: skip
    evidence = Evidence.objects.create(shop=shop_b, order=printed, parcel=parcel, kind="packing_photo",
                                       sha256="ab" * 32, size_bytes=10, content_type="image/jpeg")  # fmt: skip
    choice = StockChoice.objects.create(shop=shop_b, order=ready, token="b-choice-token", coupon_code=SECRET_LIVE,
                                        deadline=now + dt.timedelta(hours=5))  # fmt: skip
    return {
        "shop": shop_b,
        "records": [
            printed,
            ready,
            parcel,
            waybill,
            batch,
            run,
            track,
            alert,
            message,
            session,
            notice,
            review,
            outbox,
            imports,
            shipback,
            insert,
            claim,
            statement,
            rma,
            evidence,
            choice,
        ],
    }


def _fingerprint(records: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every B record's stored values: the walk must not change any of them."""
    out = []
    for obj in records:
        fresh = type(obj).objects.filter(pk=obj.pk).values().first()
        out.append((f"{type(obj).__name__}:{obj.pk}", fresh or {}))
    return out


def _text(response: Any) -> str:
    """What a person would read in the response: the page/JSON text, or the text in a PDF/XLSX."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if content[:4] == b"%PDF":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(content)
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if "charset" in kind or kind.startswith(("text/", "application/json")):
        return content.decode("utf-8", "replace")
    return content.decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    return [m for m in MARKERS if m in text]


# --- the URLconf --------------------------------------------------------------------------------


def _patterns(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p, ns)
        elif p.name:
            yield f"{namespace}{p.name}", p


def _params(pattern: URLPattern) -> dict[str, type]:
    converters = getattr(pattern.pattern, "converters", {})
    names = list(pattern.pattern.regex.groupindex)
    return {n: int if type(converters.get(n)).__name__ == "IntConverter" else str for n in names}


def _str_values(name: str, b: dict[str, Any]) -> list[str]:
    session = next(r for r in b["records"] if type(r).__name__ == "LiveSession")
    if name == "ext":
        return ["pdf", "xlsx"]
    if name in ("ref",):
        return [str(session.pk), "current", "latest"]
    if name in ("code", "carrier"):
        return ["ZTO", "zto"]
    return [SECRET_ORDER, SECRET_TRACKING, str(session.pk), "bshop"]


def _urls(b: dict[str, Any]) -> Iterator[tuple[str, str]]:
    ids = sorted({r.pk for r in b["records"]})
    for name, pattern in _patterns(get_resolver()):
        if name in ALLOWLIST or name.startswith(("api:", ADMIN_PREFIX)):
            continue  # the API is walked from its OpenAPI document below; the admin site has its test
        params = _params(pattern)
        choices = [[(n, v) for v in (ids if t is int else _str_values(n, b))] for n, t in params.items()]
        for combo in itertools.product(*choices):
            try:
                yield name, reverse(name, kwargs=dict(combo))
            except Exception:  # a value the route's converter refuses (e.g. a regex'd code)
                continue


def _walk_desk(client: Client, b: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    seen = 0
    for name, url in _urls(b):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            seen += 1
            leaked = _leaks(_text(response)) if response.status_code < 300 else []
            if leaked:
                problems.append(f"{method.upper()} {url} ({name}) -> {response.status_code}: {leaked}")
    assert seen > 150, f"only {seen} requests: the URLconf walk found too few routes"
    return problems


# --- the OpenAPI document -----------------------------------------------------------------------


def _api_requests(b: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    from fahuo.api import api

    schema = api.get_openapi_schema()
    ids = sorted({r.pk for r in b["records"]})
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            params = op.get("parameters", [])
            path_params = [p for p in params if p["in"] == "path"]
            query: dict[str, Any] = {}
            for p in params:
                if p["in"] != "query":
                    continue
                kind = p.get("schema", {}).get("type")
                if "shop" in p["name"]:
                    query[p["name"]] = "bshop"
                elif p["name"] in ("q", "search", "query") and kind == "string":
                    query[p["name"]] = SECRET_ORDER
            choices = []
            for p in path_params:
                kind = p.get("schema", {}).get("type")
                values = ids if kind == "integer" else _str_values(p["name"], b)
                choices.append([(p["name"], v) for v in values])
            for combo in itertools.product(*choices):
                url = path
                for n, v in combo:
                    url = url.replace("{" + n + "}", str(v))
                yield method, url, query


def _walk_api(client: Client, raw: str, b: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    seen = 0
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for method, url, query in _api_requests(b):
        if method == "get":
            response = client.get(url, query, **auth)
        else:
            qs = "&".join(f"{k}={v}" for k, v in query.items())
            response = getattr(client, method)(
                url + (f"?{qs}" if qs else ""), "{}", content_type="application/json", **auth
            )
        seen += 1
        leaked = _leaks(_text(response)) if response.status_code < 300 else []
        if leaked:
            problems.append(f"{method.upper()} {url} {query} -> {response.status_code}: {leaked}")
    assert seen > 40, f"only {seen} API calls: the OpenAPI walk found too few operations"
    return problems


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture
def shop_b(shop: Shop) -> dict[str, Any]:
    return _shop_b_records()


@pytest.fixture
def owner_of_a(shop: Shop) -> Any:
    """The strongest user of shop A: its owner (a member, not an owner of every shop)."""
    user = User.objects.create_user(username="a-owner", password="fahuo-test-pw")
    add_member(user=user, shop=shop, role="owner")
    return User.objects.get(pk=user.pk)


def _client() -> Client:
    client = Client(raise_request_exception=False)  # a 500 is not a leak (other findings cover them)
    return client


def test_no_page_of_the_desk_shows_or_changes_another_shops_records(
    owner_of_a: Any, shop_b: dict[str, Any]
) -> None:
    before = _fingerprint(shop_b["records"])
    client = _client()
    client.force_login(owner_of_a)
    problems = _walk_desk(client, shop_b)
    assert problems == [], "shop B data reached a shop A user:\n" + "\n".join(problems)
    assert _fingerprint(shop_b["records"]) == before


def test_no_api_operation_answers_with_or_changes_another_shops_records(
    owner_of_a: Any, shop_b: dict[str, Any]
) -> None:
    _, raw = ApiToken.issue(user=owner_of_a, name="a-erp")
    before = _fingerprint(shop_b["records"])
    problems = _walk_api(_client(), raw, shop_b)
    assert problems == [], "shop B data reached a shop A token:\n" + "\n".join(problems)
    assert _fingerprint(shop_b["records"]) == before


def test_a_token_limited_to_shop_a_of_an_owner_of_every_shop_sees_nothing_of_b(
    owner: Any, shop: Shop, shop_b: dict[str, Any]
) -> None:
    _, raw = ApiToken.issue(user=owner, name="a-only", shops=[shop])
    before = _fingerprint(shop_b["records"])
    problems = _walk_api(_client(), raw, shop_b)
    assert problems == [], "shop B data reached a token limited to shop A:\n" + "\n".join(problems)
    assert _fingerprint(shop_b["records"]) == before


def test_the_walk_would_see_shop_b_data_if_it_were_shown(owner: Any, shop_b: dict[str, Any]) -> None:
    """The walk's detector works: the owner of every shop does see B's records on the same routes."""
    client = _client()
    client.force_login(owner)
    assert _walk_desk(client, shop_b), "the desk walk found no B data even for the owner of every shop"
    _, raw = ApiToken.issue(user=owner, name="all")
    assert _walk_api(_client(), raw, shop_b)


def test_routes_with_ids_are_walked() -> None:
    """Guard: the walker finds the routes with ids (a resolver change must not empty the walk)."""
    names = {name for name, p in _patterns(get_resolver()) if _params(p)}
    assert {"order_detail", "batch_detail"} <= {n.split(":")[-1] for n in names}


def test_a_shop_member_is_kept_out_of_the_admin_site(owner_of_a: Any, shop_b: dict[str, Any]) -> None:
    client = _client()
    client.force_login(owner_of_a)
    for url in ("/admin/", "/admin/tracking/alert/", "/admin/notify/outboxmessage/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

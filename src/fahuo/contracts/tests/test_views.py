"""Contracts desk pages through Django's test client, as an owner and as an operator."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from fahuo.contracts import settlement as st
from fahuo.contracts.models import CarrierBill, ContractTerms, WeeklyStatement
from fahuo.contracts.tests.factories import contracted_carrier, parcel
from fahuo.desk.tests.conftest import login

pytestmark = pytest.mark.django_db
WEEK = dt.date(2026, 11, 9)
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def week(shop: Any) -> Any:
    carrier, contract, _ = contracted_carrier(min_daily=0)
    for i in range(3):
        ready = START + dt.timedelta(days=i, hours=10)
        parcel(shop, carrier, ready_at=ready, picked_up_at=ready + dt.timedelta(hours=2),
               departed_at=ready + dt.timedelta(hours=8), tracking_no=f"YT00{i}")  # fmt: skip
    return carrier, contract


def test_owner_edits_terms_as_a_new_version(owner: Any, week: Any) -> None:
    carrier, contract = week
    client = login(owner)
    page = client.get(reverse("contracts:terms", args=[carrier.code]))
    assert page.status_code == 200 and "揽收时限" in page.content.decode()
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None and k != "id"}
    form.update(pickup_hours=12, late_penalty_pct="25")
    response = client.post(reverse("contracts:terms", args=[carrier.code]), form)
    assert response.status_code == 302
    latest = ContractTerms.objects.filter(contract=contract).order_by("-version").first()
    assert latest is not None and latest.version == 2 and latest.pickup_hours == 12
    bad = client.post(reverse("contracts:terms", args=[carrier.code]), {**form, "pickup_target_pct": "150"})
    assert bad.status_code == 400 and ContractTerms.objects.filter(contract=contract).count() == 2


def test_operator_reads_but_cannot_change(operator: Any, week: Any) -> None:
    carrier, _ = week
    client = login(operator)
    assert client.get(reverse("contracts:home")).status_code == 200
    assert (
        client.post(reverse("contracts:terms", args=[carrier.code]), {"pickup_hours": 1}).status_code == 403
    )
    assert (
        client.post(
            reverse("contracts:generate"), {"carrier": carrier.code, "week": "2026-11-09"}
        ).status_code
        == 403
    )


def test_statement_then_bill_with_an_overcharge_then_dispute_list(owner: Any, week: Any) -> None:
    carrier, _ = week
    client = login(owner)
    assert (
        client.post(
            reverse("contracts:generate"), {"carrier": carrier.code, "week": "2026-11-10"}
        ).status_code
        == 302
    )
    assert not WeeklyStatement.objects.exists()  # not a Monday
    response = client.post(reverse("contracts:generate"), {"carrier": carrier.code, "week": "2026-11-09"})
    stmt = WeeklyStatement.objects.get()
    assert response.url == reverse("contracts:statement", args=[stmt.pk])
    page = client.get(response.url).content.decode()
    assert "周结对账单" in page and "¥15.00" in page  # 3 parcels × ¥5.00
    bill = "运单号码,计费重量（kg）,快递费\nYT000,0.8,5.00\nYT001,0.8,6.50\nXX999,1,3\n".encode()
    preview = client.post(
        reverse("contracts:bill_upload", args=[carrier.code]),
        {"week": "2026-11-09", "file": SimpleUploadedFile("圆通账单.csv", bill)},
    )
    assert preview.status_code == 200 and "YT001" in preview.content.decode()
    form = preview.context["form"]
    post = {"token": form.initial["token"], "week": "2026-11-09", "action": "import",
            **{f"map_{k}": v for k, v in preview.context["parsed"].mapping.items()}}  # fmt: skip
    done = client.post(reverse("contracts:bill_confirm", args=[carrier.code]), post)
    assert done.status_code == 302
    stmt.refresh_from_db()
    assert stmt.data["bill"]["overcharged"] == ["YT001"] and stmt.data["bill"]["unknown"] == ["XX999"]
    assert stmt.data["bill"]["missing"] == ["YT002"] and stmt.data["bill"]["dispute_fen"] == 150 + 300
    export = client.get(reverse("contracts:statement_file", args=[stmt.pk, "disputes"]))
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert ["多收运费", "YT001", 800, 800, "5.00", "6.50", "1.50"] in rows
    assert rows[-1][0] == "合计异议金额(元)" and rows[-1][6] == "4.50"
    for kind in ("pdf", "xlsx"):
        f = client.get(reverse("contracts:statement_file", args=[stmt.pk, kind]))
        assert f.status_code == 200 and len(f.content) > 1000


def test_a_bad_bill_shows_file_row_and_column_and_imports_nothing(owner: Any, week: Any) -> None:
    carrier, _ = week
    client = login(owner)
    bill = "运单号码,计费重量（kg）,快递费\nYT000,0.8,5.00\nYT001,-0.8,abc\n".encode()
    preview = client.post(
        reverse("contracts:bill_upload", args=[carrier.code]),
        {"week": "2026-11-09", "file": SimpleUploadedFile("坏账单.csv", bill)},
    )
    page = preview.content.decode()
    assert "坏账单.csv 第 3 行，列「计费重量（kg）」" in page and "坏账单.csv 第 3 行，列「快递费」" in page
    form = preview.context["form"]
    post = {"token": form.initial["token"], "week": "2026-11-09", "action": "import",
            **{f"map_{k}": v for k, v in preview.context["parsed"].mapping.items()}}  # fmt: skip
    refused = client.post(reverse("contracts:bill_confirm", args=[carrier.code]), post)
    assert (
        refused.status_code == 422
        and not CarrierBill.objects.exists()
        and not WeeklyStatement.objects.exists()
    )
    wrong_week = client.post(
        reverse("contracts:bill_upload", args=[carrier.code]),
        {"week": "2026-11-11", "file": SimpleUploadedFile("b.csv", bill)},
    )
    assert wrong_week.status_code == 400 and "不是周一" in wrong_week.content.decode()


def test_statement_status_moves_and_termination_notice_needs_the_threshold(owner: Any, week: Any) -> None:
    carrier, _ = week
    client = login(owner)
    client.post(reverse("contracts:generate"), {"carrier": carrier.code, "week": "2026-11-09"})
    stmt = WeeklyStatement.objects.get()
    assert client.get(reverse("contracts:statement_file", args=[stmt.pk, "termination"])).status_code == 409
    client.post(reverse("contracts:statement_status", args=[stmt.pk]), {"status": "sent"})
    client.post(reverse("contracts:statement_status", args=[stmt.pk]), {"status": "disputed"})  # needs a note
    stmt.refresh_from_db()
    assert stmt.status == "sent"
    client.post(
        reverse("contracts:statement_status", args=[stmt.pk]), {"status": "disputed", "note": "YT001 多收"}
    )
    stmt.refresh_from_db()
    assert stmt.status == "disputed" and stmt.dispute_note == "YT001 多收"


def test_claim_registered_verified_and_credited(owner: Any, week: Any) -> None:
    from fahuo.contracts.models import Claim

    carrier, _ = week
    client = login(owner)
    response = client.post(reverse("contracts:claims"), {"carrier": carrier.code, "tracking_no": "YT000", "kind": "damage",
                                                          "source": "buyer", "amount_yuan": "23.50"})  # fmt: skip
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.amount_fen == 2350 and claim.track is not None
    client.post(reverse("contracts:claim_action", args=[claim.pk, "verify"]), {"responsibility": "handling"})
    claim.refresh_from_db()
    assert claim.responsibility == "handling" and claim.verified_at is not None


def test_deposit_paid_in_then_drawn_by_a_negative_week(owner: Any, week: Any) -> None:
    from fahuo.contracts.models import DepositEntry, PrivacyIncident

    carrier, _ = week
    client = login(owner)
    form = {
        "dep-carrier": carrier.code,
        "dep-kind": "paid_in",
        "dep-amount_yuan": "100.00",
        "dep-on": "2026-11-01",
    }
    assert client.post(reverse("contracts:deposit_add"), form).status_code == 302
    assert DepositEntry.objects.get().amount_fen == 10000
    bad = client.post(reverse("contracts:deposit_add"), {**form, "dep-amount_yuan": "abc"})
    assert bad.status_code == 302 and DepositEntry.objects.count() == 1
    PrivacyIncident.objects.create(
        carrier=carrier, tracking_no="YT000", occurred_at=START + dt.timedelta(days=1)
    )
    client.post(reverse("contracts:generate"), {"carrier": carrier.code, "week": "2026-11-09"})
    stmt = WeeklyStatement.objects.get()
    assert stmt.data["net_fen"] == 1500 - 50000 and stmt.data["deposit_drawn_fen"] == 10000
    assert stmt.data["carried_forward_fen"] == 48500 - 10000
    page = client.get(reverse("contracts:statement", args=[stmt.pk])).content.decode()
    assert "抵扣" in page and "¥100.00" in page


def test_termination_notice_pdf_once_the_running_count_passes_the_threshold(owner: Any, shop: Any) -> None:
    carrier, _, _ = contracted_carrier(terminate_after_late=0, min_daily=0)
    parcel(shop, carrier, ready_at=START + dt.timedelta(hours=9))  # never picked up
    client = login(owner)
    client.post(reverse("contracts:generate"), {"carrier": carrier.code, "week": "2026-11-09"})
    stmt = WeeklyStatement.objects.get()
    assert stmt.data["may_terminate"]
    page = client.get(reverse("contracts:statement", args=[stmt.pk])).content.decode()
    assert "解约通知书" in page
    pdf = client.get(reverse("contracts:statement_file", args=[stmt.pk, "termination"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    home = client.get(reverse("contracts:home")).content.decode()
    assert "可解除合作" in home

"""Desk forms: contract terms, statement generation, bill upload and mapping, claims, incidents."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from fahuo.aftersales import storage
from fahuo.carriers.models import Carrier
from fahuo.contracts.bills import FIELD_LABELS
from fahuo.contracts.evidence import MAX_PHOTOS
from fahuo.contracts.models import ClaimKind, ContractTerms, Responsibility

ACCEPT = "image/jpeg,image/png,image/webp,video/webm,video/mp4,video/quicktime"


class TermsForm(forms.ModelForm):
    class Meta:
        model = ContractTerms
        fields = [
            "origin_province", "pickup_hours", "pickup_target_pct", "ship_hours", "ship_target_pct",
            "crew_confirm_days_before", "pickups_per_hour", "late_penalty_pct", "terminate_after_late",
            "privacy_mask_middle_digits", "privacy_fine_fen", "door_delivery_pct", "remote_by_appointment",
            "returns_pickup_hours", "verify_hours", "pay_hours", "liability_note", "price_notice_days",
            "deposit_min_fen", "deposit_max_fen", "deposit_refund_days", "weight_tolerance_g",
        ]  # fmt: skip
        labels = {
            "origin_province": "揽收省份",
            "pickup_hours": "揽收时限（小时）",
            "pickup_target_pct": "揽收率目标（%）",
            "ship_hours": "发出时限（小时）",
            "ship_target_pct": "发出率目标（%）",
            "crew_confirm_days_before": "开播前几天确认揽收人员",
            "pickups_per_hour": "每小时揽收量",
            "late_penalty_pct": "超时违约金（运费的 %）",
            "terminate_after_late": "累计超时超过（件）可解约",
            "privacy_mask_middle_digits": "手机号中间隐藏位数",
            "privacy_fine_fen": "隐私泄露罚款（分/单）",
            "door_delivery_pct": "主城区送货上门率（%）",
            "remote_by_appointment": "偏远地区预约派送",
            "returns_pickup_hours": "退货揽收时限（小时）",
            "verify_hours": "理赔核定时限（小时）",
            "pay_hours": "理赔赔付时限（小时）",
            "liability_note": "责任划分",
            "price_notice_days": "调价提前通知（天）",
            "deposit_min_fen": "保证金下限（分）",
            "deposit_max_fen": "保证金上限（分）",
            "deposit_refund_days": "合同结束后退还保证金（天）",
            "weight_tolerance_g": "账单重量误差（克）",
        }
        widgets = {"liability_note": forms.Textarea(attrs={"rows": 2})}


class GenerateForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True), to_field_name="code", label="快递公司"
    )
    week = forms.DateField(
        label="结算周（周一）", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_week(self) -> Any:
        week = self.cleaned_data["week"]
        if week.weekday() != 0:
            raise forms.ValidationError(f"{week:%Y-%m-%d} 不是周一")
        return week


class BillUploadForm(forms.Form):
    week = forms.DateField(
        label="账单周（周一）", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    file = forms.FileField(label="账单文件（Excel/CSV）")


class MappingForm(forms.Form):
    """One select per field, choices = the file's headers."""

    token = forms.CharField(widget=forms.HiddenInput)
    week = forms.DateField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "（不使用）")] + [(h, h) for h in headers if h]
        for name, label in FIELD_LABELS.items():
            self.fields[f"map_{name}"] = forms.ChoiceField(choices=choices, required=False, label=label)

    def mapping(self) -> dict[str, str]:
        return {k[4:]: v for k, v in self.cleaned_data.items() if k.startswith("map_") and v}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); checked by :mod:`.evidence`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _files_label() -> str:
    return _(
        "Photos (JPEG/PNG/WebP, up to %(photo)d MB each) or videos (WebM/MP4, up to %(video)d MB); at most %(max)d"
    ) % {"photo": storage.photo_limit() >> 20, "video": storage.video_limit() >> 20, "max": MAX_PHOTOS}


FILES_LABEL = lazy(_files_label, str)()


class PhotosForm(forms.Form):
    photos = MultipleFileField(label=FILES_LABEL)


class ClaimForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True), to_field_name="code", label="快递公司"
    )
    tracking_no = forms.CharField(max_length=40, label="运单号")
    kind = forms.ChoiceField(choices=ClaimKind.choices, label="类型")
    source = forms.ChoiceField(
        choices=[("buyer", "买家反馈"), ("tracking", "物流异常"), ("packing", "打包凭证")], label="来源"
    )
    amount_yuan = forms.DecimalField(min_value=0.01, decimal_places=2, label="索赔金额（元）")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="说明")
    photos = MultipleFileField(required=False, label=FILES_LABEL)
    alert = forms.IntegerField(required=False, widget=forms.HiddenInput)
    evidence = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    responsibility = forms.ChoiceField(choices=Responsibility.choices, label="责任")


class IncidentForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True), to_field_name="code", label="快递公司"
    )
    tracking_no = forms.CharField(max_length=40, label="运单号")
    occurred_at = forms.DateTimeField(
        label="发生时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    source = forms.ChoiceField(
        choices=[("complaint", "买家投诉"), ("trace_text", "物流信息中出现完整手机号")], label="来源"
    )
    carrier_fault = forms.BooleanField(required=False, initial=True, label="快递公司责任")
    note = forms.CharField(required=False, max_length=300, label="说明（不要填写泄露的信息本身）")


class DepositForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True), to_field_name="code", label="快递公司"
    )
    kind = forms.ChoiceField(choices=[("paid_in", "缴纳"), ("refunded", "退还")], label="类型")
    amount_yuan = forms.DecimalField(min_value=0.01, decimal_places=2, label="金额（元）")
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(required=False, max_length=200, label="说明")

"""Forms and display labels for the message pages (labels are translated; the models keep Chinese)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fahuo.notify.models import Channel, MessageKey
from fahuo.notify.texts import validate_body
from fahuo.orders.models import Shop

KEY_LABELS: dict[str, Any] = {
    MessageKey.SHIPPED: _("Shipped"),
    MessageKey.OUT_FOR_DELIVERY: _("Out for delivery"),
    MessageKey.IN_LOCKER: _("Waiting in a locker"),
    MessageKey.DELIVERED: _("Delivered"),
    MessageKey.DELAYED: _("Delayed"),
    MessageKey.PROBLEM: _("Problem parcel"),
    MessageKey.REFUSED: _("Refused by the buyer"),
    MessageKey.RETURNING: _("Returning to the shop"),
    MessageKey.LOST: _("Lost"),
    MessageKey.SHIP_BY_SOON: _("Shipping late (apology)"),
    MessageKey.ADDRESS_CHANGED: _("Address changed"),
}
KEY_WHEN: dict[str, Any] = {
    MessageKey.SHIPPED: _("when the carrier picks the parcel up"),
    MessageKey.OUT_FOR_DELIVERY: _("when the courier is on the way"),
    MessageKey.IN_LOCKER: _("when the parcel is put in a locker or station"),
    MessageKey.DELIVERED: _("when the parcel is signed for"),
    MessageKey.DELAYED: _("when the trace stalls or the promised time passes"),
    MessageKey.PROBLEM: _("when the carrier reports a problem parcel"),
    MessageKey.REFUSED: _("when the parcel is refused"),
    MessageKey.RETURNING: _("when the parcel is on its way back"),
    MessageKey.LOST: _("when the carrier reports the parcel lost"),
    MessageKey.SHIP_BY_SOON: _("when the order is about to miss its ship-by time"),
    MessageKey.ADDRESS_CHANGED: _("when the buyer's address was changed after printing"),
}
CHANNEL_LABELS: dict[str, Any] = {
    "": _("Any channel"),
    Channel.SMS: _("SMS"),
    Channel.DOUYIN_IM: _("Douyin shop IM"),
    Channel.WECHAT: _("WeChat"),
}
STATUS_LABELS: dict[str, Any] = {
    "queued": _("Queued"),
    "retrying": _("Retrying"),
    "sending": _("Sending"),
    "sent": _("Sent"),
    "failed": _("Failed"),
}


# What the buyer's tracking page says for each parcel status (the buyer's words, not the desk's).
BUYER_STATUS_LABELS: dict[str, Any] = {
    "created": _("Packed, waiting for pickup"),
    "awaiting_pickup": _("Packed, waiting for pickup"),
    "picked_up": _("Picked up"),
    "in_transit": _("On the way"),
    "out_for_delivery": _("Out for delivery"),
    "in_locker": _("Ready to collect"),
    "delivered": _("Delivered"),
    "exception": _("Held up — the shop is on it"),
    "returning": _("Returning to the shop"),
    "returned": _("Returned to the shop"),
    "refused": _("Refused"),
    "lost": _("Lost — the shop will contact you"),
}


class TemplateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=60)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=list(CHANNEL_LABELS.items()))
    body = forms.CharField(
        label=_("Message text"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    active = forms.BooleanField(label=_("Send this message"), required=False)

    def __init__(self, *args: Any, key: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key = key

    def clean_body(self) -> str:
        body = str(self.cleaned_data["body"]).strip()
        validate_body(body, key=self.key)
        return body


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, max_length=2000)
    key = forms.CharField(required=False, max_length=20)
    shop = forms.ModelChoiceField(queryset=Shop.objects.all(), required=False)


class NewVersionForm(forms.Form):
    key = forms.ChoiceField(choices=[(k, k) for k in MessageKey.values])
    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.all(), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=list(CHANNEL_LABELS.items()))


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *STATUS_LABELS.items()]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *list(CHANNEL_LABELS.items())[1:]],
    )
    q = forms.CharField(label=_("Order or tracking number"), required=False, max_length=64)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class SendForm(forms.Form):
    key = forms.ChoiceField(label=_("Message type"), choices=list(KEY_LABELS.items()))
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Automatic")), *list(CHANNEL_LABELS.items())[1:]],
    )


def body_error(body: str, key: str = "") -> str:
    """The validation message of a body, "" when it is fine."""
    try:
        validate_body(body, key=key)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""

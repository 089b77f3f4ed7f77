"""Alert queue filters and the labels the desk shows for alert kinds and parcel statuses."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fahuo.accounts.selectors import shops_for
from fahuo.carriers.models import Carrier
from fahuo.orders.models import Shop
from fahuo.tracking.models import AlertKind, AlertStatus, BuyerMessage, TrackStatus

KIND_LABELS: dict[str, Any] = {
    AlertKind.SHIP_BY_SOON: _("Ship-by soon"),
    AlertKind.SHIP_BY_OVERDUE: _("Ship-by overdue"),
    AlertKind.NO_PICKUP: _("Not picked up"),
    AlertKind.STALLED: _("Stalled"),
    AlertKind.PROBLEM: _("Problem parcel"),
    AlertKind.REFUSED: _("Refused"),
    AlertKind.RETURNING: _("Returning"),
    AlertKind.LATE: _("Late"),
    AlertKind.PROXY_SIGNED: _("Signed by proxy (door delivery asked)"),
    AlertKind.ADDRESS_CHANGED: _("Address changed after printing"),
    AlertKind.AFTER_SALE: _("After-sale request"),
}
TRACK_STATUS_LABELS: dict[str, Any] = {
    TrackStatus.CREATED: _("Label created"),
    TrackStatus.AWAITING_PICKUP: _("Awaiting pickup"),
    TrackStatus.PICKED_UP: _("Picked up"),
    TrackStatus.IN_TRANSIT: _("In transit"),
    TrackStatus.OUT_FOR_DELIVERY: _("Out for delivery"),
    TrackStatus.IN_LOCKER: _("In locker / station"),
    TrackStatus.DELIVERED: _("Delivered"),
    TrackStatus.EXCEPTION: _("Exception"),
    TrackStatus.RETURNING: _("Returning"),
    TrackStatus.RETURNED: _("Returned"),
    TrackStatus.REFUSED: _("Refused"),
    TrackStatus.LOST: _("Lost"),
}
ALERT_STATUS_LABELS: dict[str, Any] = {
    AlertStatus.OPEN: _("Open"),
    AlertStatus.ASSIGNED: _("In progress"),
    AlertStatus.RESOLVED: _("Resolved"),
}
SEVERITY_LABELS: dict[str, Any] = {"critical": _("Critical"), "warning": _("Warning")}
BUYER_MESSAGE_LABELS: dict[str, Any] = {
    BuyerMessage.AUTO: _("Buyer told automatically"),
    BuyerMessage.MANUAL: _("Buyer told by hand"),
    BuyerMessage.HELD: _("Buyer not told: the alert was already old"),
    BuyerMessage.OFF: _("Buyer not told: auto-messaging is off"),
}
# Alerts whose buyer message waits for the seller (too old to be sent by itself when opened).
UNTOLD = "untold"

# "unresolved" (open + in progress) is the queue's default view.
STATUS_CHOICES = [
    ("", _("Unresolved")),
    (AlertStatus.OPEN, _("Open")),
    (AlertStatus.ASSIGNED, _("In progress")),
    ("mine", _("Assigned to me")),
    (UNTOLD, _("Buyer not told")),
    (AlertStatus.RESOLVED, _("Resolved")),
    ("all", _("All")),
]


class AlertFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    carrier = forms.ChoiceField(required=False)
    shop = forms.ChoiceField(required=False)
    q = forms.CharField(required=False, max_length=64)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = cast(dict[str, forms.ChoiceField], self.fields)
        shops = Shop.objects.all() if user is None else shops_for(user)
        choice["kind"].choices = [("", _("All kinds")), *KIND_LABELS.items()]
        choice["carrier"].choices = [
            ("", _("All carriers")),
            *Carrier.objects.order_by("code").values_list("code", "name"),
        ]
        choice["shop"].choices = [
            ("", _("All shops")),
            *((str(pk), name) for pk, name in shops.order_by("code").values_list("pk", "name")),
        ]
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Tracking or order number"), "class": "q", "type": "search"}
        )
        for name in ("kind", "status", "carrier", "shop"):
            self.fields[name].widget.attrs["id"] = f"id_alert_{name}"

    def filters(self) -> dict[str, Any]:
        """The valid filters as selector arguments; an invalid form filters nothing."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for name in ("kind", "status", "carrier", "q"):
            if data.get(name):
                out[name] = data[name].strip() if name == "q" else data[name]
        if data.get("shop"):
            out["shop_id"] = int(data["shop"])
        return out


class NoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    assignee = forms.IntegerField(required=False, min_value=1)


class AutoMessageForm(forms.Form):
    """Switch the buyer's automatic message on or off for one alert kind."""

    kind = forms.ChoiceField(choices=list(KIND_LABELS.items()))
    on = forms.BooleanField(required=False)

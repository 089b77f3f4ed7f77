"""Allocation forms: the decision filters, manual overrides, and one rule form per rule kind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fahuo.carriers.models import Carrier
from fahuo.catalog.models import Trait
from fahuo.kit.errors import InvalidInput
from fahuo.kit.money import fen_to_yuan, yuan_to_fen
from fahuo.orders.models import Shop
from fahuo.routing import rules as seller_rules
from fahuo.routing import window as window_mod
from fahuo.routing.models import Rule, RuleKind
from fahuo.routing.selectors import UNASSIGNED_PREFIX

# UI labels (the model's own labels are fixed Chinese, not translatable).
RULE_KIND_LABELS: dict[str, Any] = {
    RuleKind.TRAIT_CARRIERS: _("Items with a trait ship only with these carriers"),
    RuleKind.PROVINCE_CARRIERS: _("These provinces ship only with these carriers"),
    RuleKind.SHOP_NOT_CARRIER: _("A shop never uses these carriers"),
    RuleKind.INSURE_OVER_VALUE: _("Insure orders declared at or above a value"),
    RuleKind.PROMISE_HOURS: _("Delivery promise in hours"),
    RuleKind.PREFER_DOOR_DELIVERY: _("Prefer door delivery"),
    RuleKind.PREFER_CARRIERS: _("Prefer these carriers"),
}
TRAIT_LABELS: dict[str, Any] = {
    "cold": _("Cold chain"),
    "fragile": _("Fragile"),
    "liquid": _("Liquid"),
    "valuable": _("High value"),
    "powder": _("Powder"),
    "irregular": _("Irregular shape"),
    "light_sensitive": _("Keep from light"),
}
CHANNEL_LABELS: dict[str, Any] = {
    "live": _("Live stream"),
    "private": _("Private domain"),
    "shelf": _("Shelf"),
}
# Why an option was removed, or why an order is unassigned.
CHECK_LABELS: dict[str, Any] = {
    "warehouse": _("Fixed to another warehouse"),
    "stock": _("Not enough stock"),
    "no_lane": _("No lane"),
    "cold_chain": _("No cold chain"),
    "insurance": _("Not insured"),
    "weight": _("Too heavy"),
    "rule": _("Seller rule"),
    "promise": _("Too slow for the promise"),
    "no_pickup": _("No pickup in the window"),
    "encrypted": _("Encrypted recipient: needs a Douyin e-waybill carrier"),
    "capacity": _("Capacity full"),
    "pickup_hour": _("Pickup hour full"),
    "sku_weight": _("Item weight unknown"),
    "no_option": _("No option"),
}
# Why an assigned order got its option.
BINDING_LABELS: dict[str, Any] = {
    "cheapest": _("Cheapest"),
    "capacity": _("Capacity"),
    "pickup_hour": _("Pickup hour full"),
    "stock": _("Stock"),
    "preference": _("Preference"),
    "promise": _("Promise"),
    "rule": _("Rule"),
    "manual": _("Manual"),
}
BINDING_TEXT: dict[str, Any] = {
    "cheapest": _("No candidate is cheaper."),
    "capacity": _("A cheaper option's capacity is full."),
    "pickup_hour": _("A cheaper option's pickup hours are full."),
    "stock": _("A cheaper warehouse's stock went to other orders of this run."),
    "preference": _("A cheaper option lost to a seller preference."),
    "promise": _("Cheaper options are too slow for the delivery promise."),
    "rule": _("Cheaper options were removed by a check or a seller rule."),
    "manual": _("Chosen by hand."),
}


class PlanForm(forms.Form):
    """An optional pickup window for the plan: "HH:MM" today (Beijing) or a date and time."""

    pickup_start = forms.CharField(required=False, max_length=25, label=_("Pickup from"))
    pickup_end = forms.CharField(required=False, max_length=25, label=_("Pickup until"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start_text, end_text = data.get("pickup_start", ""), data.get("pickup_end", "")
        data["window"] = None
        if not start_text and not end_text:
            return data
        if not start_text or not end_text:
            raise forms.ValidationError(_("Give both the start and the end of the pickup window."))
        now = timezone.now()
        try:
            start = window_mod.parse_pickup_time(start_text, now=now)
            end = window_mod.parse_pickup_time(end_text, now=now, after=start)
        except InvalidInput:
            raise forms.ValidationError(_("Enter the pickup times as HH:MM or a date and time.")) from None
        if end <= start:
            raise forms.ValidationError(_("The pickup window must end after it starts."))
        if end - start > dt.timedelta(hours=window_mod.MAX_WINDOW_HOURS):
            raise forms.ValidationError(
                _("The pickup window may span at most %(n)s hours.") % {"n": window_mod.MAX_WINDOW_HOURS}
            )
        data["window"] = (start, end)
        return data


class DecisionFilterForm(forms.Form):
    """A run's decision table filters, read from the query string; invalid values are ignored."""

    carrier = forms.ChoiceField(required=False, label=_("Carrier"))
    warehouse = forms.ChoiceField(required=False, label=_("Warehouse"))
    province = forms.ChoiceField(required=False, label=_("Province"))
    reason = forms.ChoiceField(required=False, label=_("Reason"))

    def __init__(
        self,
        *args: Any,
        carriers: dict[str, str],
        warehouses: dict[str, str],
        provinces: list[tuple[str, int]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("carrier", [("", _("All carriers")), *((c, f"{c} {n}") for c, n in carriers.items())])
        self._choices(
            "warehouse", [("", _("All warehouses")), *((w, f"{w} {n}") for w, n in warehouses.items())]
        )
        self._choices("province", [("", _("All provinces")), *((p, f"{p} ({n})") for p, n in provinces if p)])
        unassigned = [(f"{UNASSIGNED_PREFIX}{k}", v) for k, v in CHECK_LABELS.items() if k != "no_option"]
        self._choices(
            "reason",
            [
                ("", _("Any reason")),
                (_("Assigned because"), list(BINDING_LABELS.items())),
                (_("Unassigned"), [(UNASSIGNED_PREFIX, _("Every unassigned order")), *unassigned]),
            ],
        )

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def filters(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v}


class OverrideForm(forms.Form):
    """One order onto one of its feasible lanes ("ZTO@HZ")."""

    order = forms.IntegerField(min_value=1)
    lane = forms.CharField(max_length=40, label=_("Carrier and warehouse"))

    def clean_lane(self) -> tuple[str, str]:
        carrier, _sep, warehouse = self.cleaned_data["lane"].partition("@")
        if not carrier or not warehouse:
            raise forms.ValidationError(_("Choose a carrier and a warehouse."))
        return carrier, warehouse


class GroupOverrideForm(forms.Form):
    """Every order of a province onto one carrier × warehouse."""

    province = forms.CharField(max_length=20, label=_("Province"))
    carrier = forms.CharField(max_length=16, label=_("Carrier"))
    warehouse = forms.CharField(max_length=16, label=_("Warehouse"))
    skip_infeasible = forms.BooleanField(
        required=False, initial=True, label=_("Skip orders that cannot use it")
    )


# --- rules -----------------------------------------------------------------------------------------


def _yuan_to_fen(value: Decimal | None) -> int | None:
    return None if value is None else yuan_to_fen(value)


def _fen_to_yuan(fen: Any) -> Decimal:
    return fen_to_yuan(int(fen))


class RuleForm(forms.Form):
    """Name, priority, active, plus the parameters of one rule kind (see ``rule_form``)."""

    name = forms.CharField(max_length=120, label=_("Rule name"))
    priority = forms.IntegerField(min_value=0, max_value=10000, initial=100, label=_("Priority"))
    active = forms.BooleanField(required=False, initial=True, label=_("Active"))
    trait = forms.ChoiceField(label=_("Trait"))
    carriers = forms.MultipleChoiceField(label=_("Carriers"), widget=forms.CheckboxSelectMultiple)
    provinces = forms.MultipleChoiceField(label=_("Provinces"), widget=forms.CheckboxSelectMultiple)
    shop = forms.ChoiceField(label=_("Shop"))
    channel = forms.ChoiceField(label=_("Channel"))
    min_value = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=12, decimal_places=2, label=_("Declared value at least (¥)")
    )
    hours = forms.IntegerField(min_value=1, max_value=720, label=_("Hours"))
    penalty = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_value=Decimal("10000"),
        max_digits=7,
        decimal_places=2,
        label=_("Penalty per parcel (¥)"),
        help_text=_("Added to the price of options that do not satisfy the preference; freight stays real."),
    )

    PARAM_FIELDS = {
        "trait": ("trait",),
        "carriers": ("carriers",),
        "provinces": ("provinces",),
        "shop": ("shop",),
        "channel": ("channel",),
        "min_value_fen": ("min_value",),
        "hours": ("hours",),
        "penalty_fen": ("penalty",),
    }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        required, optional = seller_rules.PARAMS[kind]
        params = (*required, *optional)
        keep = {"name", "priority", "active"} | {f for p in params for f in self.PARAM_FIELDS[p]}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for p in optional:
            for f in self.PARAM_FIELDS[p]:
                self.fields[f].required = False
        if "trait" in self.fields:
            self._set("trait", [(t.value, TRAIT_LABELS.get(t.value, t.label)) for t in Trait])
        if "carriers" in self.fields:
            rows = Carrier.objects.order_by("code").values_list("code", "name")
            self._set("carriers", [(c, f"{c} {n}") for c, n in rows])
        if "provinces" in self.fields:
            self._set("provinces", [(p, p) for p in seller_rules.province_names()])
        if "shop" in self.fields:
            self._set(
                "shop",
                [(c, f"{c} · {n}") for c, n in Shop.objects.order_by("code").values_list("code", "name")],
            )
        if "channel" in self.fields:
            blank = (
                _("Orders that asked for door delivery")
                if kind == RuleKind.PREFER_DOOR_DELIVERY
                else _("Every channel")
            )
            self._set("channel", [("", blank), *CHANNEL_LABELS.items()])

    def _set(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    @classmethod
    def initial_for(cls, rule: Rule) -> dict[str, Any]:
        p = rule.params or {}
        initial: dict[str, Any] = {"name": rule.name, "priority": rule.priority, "active": rule.active}
        for key in ("trait", "carriers", "provinces", "shop", "channel", "hours"):
            if key in p:
                initial[key] = p[key]
        if "min_value_fen" in p:
            initial["min_value"] = _fen_to_yuan(p["min_value_fen"])
        if "penalty_fen" in p:
            initial["penalty"] = _fen_to_yuan(p["penalty_fen"])
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        raw: dict[str, Any] = {
            "trait": data.get("trait"),
            "carriers": data.get("carriers"),
            "provinces": data.get("provinces"),
            "shop": data.get("shop"),
            "channel": data.get("channel"),
            "min_value_fen": _yuan_to_fen(data.get("min_value")),
            "hours": data.get("hours"),
            "penalty_fen": _yuan_to_fen(data.get("penalty")),
        }
        required, optional = seller_rules.PARAMS[self.kind]
        raw = {k: v for k, v in raw.items() if k in (*required, *optional) and v not in (None, "", [])}
        try:
            data["params"] = seller_rules.clean_rule_params(self.kind, raw)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message)
        return data


class KindForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of rule"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(RULE_KIND_LABELS.items())

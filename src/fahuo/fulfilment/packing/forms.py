"""Desk forms for packaging rules (trait plus shop / SKU / units / goods weight conditions, carton)
and brand inserts (thank-you card, gift, tips, flyer; repeat buyers only). Errors per field, in the
desk's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy

from fahuo.accounts.selectors import shops_for
from fahuo.catalog.models import Sku
from fahuo.fulfilment.models import BrandInsert, Carton, PackagingRule
from fahuo.fulfilment.packing import services as packing


def _trait_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("Any trait"))] + [
        (key, f"{label}（{key}）") for key, label in packing.TRAIT_LABELS.items()
    ]


class _ShopSkuForm(forms.ModelForm):
    """A form whose shop is one of the user's and whose SKU is typed as its 商家编码."""

    sku_code = forms.CharField(
        label=gettext_lazy("SKU code"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Leave empty for every product."),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops_for(user).order_by("code")  # type: ignore[attr-defined]
        sku = getattr(self.instance, "sku", None)
        if sku is not None and not self.is_bound:
            self.initial["sku_code"] = sku.code

    def clean_sku_code(self) -> Sku | None:
        code = (self.cleaned_data.get("sku_code") or "").strip()
        if not code:
            return None
        sku = Sku.objects.filter(code=code).first()
        if sku is None:
            raise forms.ValidationError(gettext_lazy("No product has this SKU code."))
        return sku

    def save(self, commit: bool = True) -> Any:
        self.instance.sku = self.cleaned_data.get("sku_code")
        return super().save(commit=commit)


class RuleForm(_ShopSkuForm):
    trait = forms.ChoiceField(label=gettext_lazy("Trait"), choices=_trait_choices, required=False)
    field_order = ["trait", "shop", "sku_code", "min_quantity", "max_quantity", "max_weight_g", "carton"]

    class Meta:
        model = PackagingRule
        fields = [
            "trait",
            "shop",
            "min_quantity",
            "max_quantity",
            "max_weight_g",
            "carton",
            "instructions",
            "materials",
            "eco_alternative",
            "eco",
            "priority",
            "active",
        ]
        labels = {
            "shop": gettext_lazy("Shop"),
            "min_quantity": gettext_lazy("Units from"),
            "max_quantity": gettext_lazy("Units up to"),
            "max_weight_g": gettext_lazy("Goods weight up to (g)"),
            "carton": gettext_lazy("Carton"),
            "instructions": gettext_lazy("Instructions"),
            "materials": gettext_lazy("Materials"),
            "eco_alternative": gettext_lazy("Eco alternative"),
            "eco": gettext_lazy("Use the eco alternative"),
            "priority": gettext_lazy("Priority"),
            "active": gettext_lazy("Active"),
        }
        help_texts = {
            "shop": gettext_lazy("Leave empty for every shop."),
            "min_quantity": gettext_lazy("Units of the SKU above, else of the whole order."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].required = False
        self.fields["carton"].queryset = Carton.objects.filter(active=True).order_by("code")  # type: ignore[attr-defined]
        for name in ("min_quantity", "max_quantity", "max_weight_g"):
            self.fields[name].validators.append(MinValueValidator(1))
            self.fields[name].widget.attrs["min"] = 1

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_quantity"), data.get("max_quantity")
        if low is not None and high is not None and high < low:
            self.add_error("max_quantity", gettext_lazy("Must not be below the units from."))
        conditions = ("trait", "shop", "sku_code", "min_quantity", "max_quantity", "max_weight_g")
        if not self.errors and not any(data.get(name) for name in conditions):
            self.add_error("trait", gettext_lazy("Choose a trait or set at least one condition."))
        return data


class InsertForm(_ShopSkuForm):
    prefix = "insert"  # shown on the rules page beside the rule form: its own field names and ids
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=list(packing.INSERT_KINDS.items()))
    field_order = ["shop", "sku_code", "kind", "text", "repeat_only", "active"]

    class Meta:
        model = BrandInsert
        fields = ["shop", "kind", "text", "repeat_only", "active"]
        labels = {
            "shop": gettext_lazy("Shop"),
            "text": gettext_lazy("Text"),
            "repeat_only": gettext_lazy("Only for repeat buyers"),
            "active": gettext_lazy("Active"),
        }

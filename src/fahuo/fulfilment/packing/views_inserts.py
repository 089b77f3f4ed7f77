"""The brand-insert editor (thank-you card, gift, tips, flyer; repeat buyers only), beside the
packaging rules: owners and operators add and edit the inserts of their own shops."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fahuo.accounts.selectors import visible
from fahuo.fulfilment.models import BrandInsert
from fahuo.fulfilment.packing.forms import InsertForm
from fahuo.fulfilment.packing.views import add_from_rules_page, edit_page
from fahuo.kit.web import desk_view


@require_POST
@desk_view("orders.view_order")
def insert_add(request: HttpRequest) -> HttpResponse:
    form = InsertForm(request.POST, user=request.user)
    return add_from_rules_page(request, form, key="insert_form", done=_("Brand insert added."))


@require_http_methods(["GET", "POST"])
@desk_view("orders.view_order")
def insert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    insert = get_object_or_404(visible(BrandInsert.objects.all(), request.user), pk=pk)
    form = InsertForm(request.POST or None, instance=insert, user=request.user)
    return edit_page(request, form, done=_("Brand insert saved."), insert=insert)

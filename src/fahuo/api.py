"""The JSON API (django-ninja): one NinjaAPI, routers from each domain, errors mapped in one place."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja.security import HttpBearer

from fahuo.accounts.models import ApiToken, hash_token
from fahuo.kit.errors import FahuoError
from fahuo.kit.openapi import FahuoAPI


class TokenAuth(HttpBearer):
    """``Authorization: Bearer fh_…`` — tokens are issued with ``fahuo token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = ApiToken.objects.select_related("user").get(key_hash=hash_token(token), revoked=False)
        except ApiToken.DoesNotExist:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        user = api_token.user
        # The token's shops and role cap the user's own (fahuo.accounts.selectors reads these).
        user.fahuo_token_shop_ids = list(api_token.shops.values_list("pk", flat=True))  # type: ignore[attr-defined]
        user.fahuo_token_role = api_token.role  # type: ignore[attr-defined]
        request.user = user
        return user


api = FahuoAPI(
    title="fahuo API",
    version="1",
    description="发货 — shipping desk API. Authenticate with `Authorization: Bearer <token>`.",
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(FahuoError)
def _fahuo_error(request: HttpRequest, exc: FahuoError) -> HttpResponse:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if exc.detail is not None:
        body["detail"] = exc.detail
    return api.create_response(request, body, status=exc.status)


def _register_routers() -> None:
    from fahuo.orders.api import router as orders_router

    api.add_router("/orders", orders_router, tags=["orders"])

    from fahuo.orders.api_imports import router as imports_router

    api.add_router("/imports", imports_router, tags=["orders"])

    from fahuo.fulfilment.api import router as fulfilment_router

    api.add_router("/fulfilment", fulfilment_router, tags=["fulfilment"])

    from fahuo.carriers.api import router as carriers_router

    api.add_router("/carriers", carriers_router, tags=["carriers"])

    from fahuo.routing.api import router as allocation_router

    api.add_router("/allocation", allocation_router, tags=["allocation"])

    from fahuo.tracking.api import router as tracking_router

    api.add_router("/tracking", tracking_router, tags=["tracking"])

    from fahuo.notify.api import router as messages_router

    api.add_router("/messages", messages_router, tags=["messages"])

    from fahuo.livestream.api import router as live_router

    api.add_router("/live", live_router, tags=["live"])

    from fahuo.livestream.api_review import router as live_review_router

    api.add_router("/live/review", live_review_router, tags=["live"])

    from fahuo.contracts.api import router as contracts_router

    api.add_router("/contracts", contracts_router, tags=["contracts"])

    from fahuo.aftersales.api import router as aftersales_router

    api.add_router("/aftersales", aftersales_router, tags=["aftersales"])

    from fahuo.setup.api import router as setup_router

    api.add_router("/setup", setup_router, tags=["setup"])


_register_routers()

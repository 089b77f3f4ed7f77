from django.contrib import admin
from django.urls import include, path

from fahuo.aftersales.urls import public_patterns as buyer_patterns
from fahuo.api import api
from fahuo.notify.urls import public_patterns
from fahuo.tracking.urls import hook_patterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("carriers/", include("fahuo.carriers.urls")),
    path("fulfilment/", include("fahuo.fulfilment.urls")),
    path("allocation/", include("fahuo.routing.urls")),
    path("tracking/", include("fahuo.tracking.urls")),
    path("contracts/", include("fahuo.contracts.urls")),
    path("aftersales/", include("fahuo.aftersales.urls")),
    path("live/", include("fahuo.livestream.urls_review")),  # board/, review/ (distinct paths)
    path("live/", include("fahuo.livestream.urls")),
    path("setup/", include("fahuo.setup.urls")),
    path("members/", include("fahuo.accounts.urls")),
    path("hooks/", include((hook_patterns, "hooks"))),
    path("messages/", include("fahuo.notify.urls")),
    path("t/", include((buyer_patterns, "buyer"))),  # /t/<token>/unboxing (after-sales)
    path("t/", include((public_patterns, "public"))),
    path("", include("fahuo.desk.urls")),
]

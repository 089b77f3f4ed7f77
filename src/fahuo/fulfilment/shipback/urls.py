from django.urls import URLPattern, URLResolver, path

from fahuo.fulfilment.shipback import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.shipback_list, name="shipback_list"),
    path("<int:pk>/retry/", views.shipback_retry, name="shipback_retry"),
    path("retry-failed/", views.shipback_retry_failed, name="shipback_retry_failed"),
]

from django.urls import include, path

app_name = "fulfilment"

urlpatterns = [
    path("batches/", include("fahuo.fulfilment.urls_batches")),
    path("packing/", include("fahuo.fulfilment.urls_packing")),
    path("shipback/", include("fahuo.fulfilment.urls_shipback")),
]

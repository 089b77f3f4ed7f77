from django.urls import include, path

app_name = "fulfilment"

urlpatterns = [
    path("batches/", include("fahuo.fulfilment.batches.urls")),
    path("packing/", include("fahuo.fulfilment.packing.urls")),
    path("shipback/", include("fahuo.fulfilment.shipback.urls")),
]

from django.urls import path

from fahuo.aftersales import views, views_evidence

app_name = "aftersales"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/decision/", views.decide, name="decide"),
    path("<int:pk>/receive/", views.receive, name="receive"),
    path("<int:pk>/pickup/", views.pickup, name="pickup"),
    path("<int:pk>/exchange/", views.exchange, name="exchange"),
    path("orders/<int:order_pk>/dispute-pack/", views.dispute_pack, name="dispute_pack"),
    path("evidence/parcels/<int:parcel_id>/", views_evidence.packing_upload, name="packing_upload"),
    path("evidence/<int:pk>/", views_evidence.download, name="evidence_file"),
]

# Mounted by fahuo.urls at "t/" beside the tracking page: no login, no personal data.
public_patterns = [
    path("<str:token>/unboxing", views_evidence.unboxing, name="unboxing"),
]

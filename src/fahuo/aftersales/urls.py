from django.urls import path

from fahuo.aftersales import pickup_hook, views, views_evidence, views_forms, views_stockout

app_name = "aftersales"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views_forms.new_request, name="new"),
    path("policy/", views_forms.policy, name="policy"),
    path("import/", views_forms.import_file, name="import"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/decision/", views.decide, name="decide"),
    path("<int:pk>/receive/", views.receive, name="receive"),
    path("<int:pk>/pickup/", views.pickup, name="pickup"),
    path("<int:pk>/exchange/", views.exchange, name="exchange"),
    path("orders/<int:order_pk>/dispute-pack/", views.dispute_pack, name="dispute_pack"),
    path("evidence/parcels/<int:parcel_id>/", views_evidence.packing_upload, name="packing_upload"),
    path("evidence/<int:pk>/", views_evidence.download, name="evidence_file"),
    path("stockouts/", views_stockout.stockouts, name="stockouts"),
    path("stockouts/orders/<int:order_pk>/offer/", views_stockout.offer, name="stockout_offer"),
    path("stockouts/<int:pk>/withdraw/", views_stockout.withdraw, name="stockout_withdraw"),
    # Kuaidi100 calls back here about a reverse pickup (no login: the signature is the key).
    path("hooks/kuaidi100-pickup", pickup_hook.kuaidi100_pickup, name="kuaidi100_pickup_hook"),
]

# Mounted by fahuo.urls at "t/" beside the tracking page: no login, no personal data.
public_patterns = [
    path("<str:token>/unboxing", views_evidence.unboxing, name="unboxing"),
    path("choice/<str:token>", views_stockout.choose, name="stock_choice"),
]

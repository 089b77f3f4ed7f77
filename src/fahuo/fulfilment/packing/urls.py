from django.urls import URLPattern, URLResolver, path

from fahuo.fulfilment.packing import views, views_inserts

urlpatterns: list[URLPattern | URLResolver] = [
    path("scan/", views.scan_station, name="packing_scan"),
    path("scan/lookup/", views.scan_lookup, name="packing_lookup"),
    path("scan/<int:parcel_id>/pack/", views.scan_pack, name="packing_pack"),
    path("rules/", views.rules, name="packing_rules"),
    path("rules/defaults/", views.rule_defaults, name="packing_rule_defaults"),
    path("rules/<int:pk>/", views.rule_edit, name="packing_rule_edit"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="packing_rule_toggle"),
    path("inserts/", views_inserts.insert_add, name="packing_insert_add"),
    path("inserts/<int:pk>/", views_inserts.insert_edit, name="packing_insert_edit"),
    path("picklist/ready.pdf", views.picklist_pdf, name="packing_picklist_ready"),
    path("picklist/<int:batch_id>.pdf", views.picklist_pdf, name="packing_picklist"),
    path("slips/<int:batch_id>.pdf", views.slips_pdf, name="packing_slips"),
]

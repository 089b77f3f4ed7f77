from django.urls import path

from fahuo.routing import views

app_name = "routing"

urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan, name="plan"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("runs/<int:pk>/orders/<int:order_id>/", views.explain, name="explain"),
    path("runs/<int:pk>/override/", views.override_order, name="override"),
    path("runs/<int:pk>/override-group/", views.override_group, name="override_group"),
    path("runs/<int:pk>/apply/", views.apply, name="apply"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]

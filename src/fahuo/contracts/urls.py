from django.urls import path

from fahuo.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.home, name="home"),
    path("generate/", views.generate, name="generate"),
    path("statements/<int:pk>/", views.statement, name="statement"),
    path("statements/<int:pk>/status/", views.statement_status, name="statement_status"),
    path("statements/<int:pk>/<str:kind>/", views.statement_file, name="statement_file"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/<str:action>/", views.claim_action, name="claim_action"),
    path("incidents/", views.incident_add, name="incident_add"),
    path("deposit/", views.deposit_add, name="deposit_add"),
    path("<str:code>/terms/", views.terms, name="terms"),
    path("<str:code>/bill/", views.bill_upload, name="bill_upload"),
    path("<str:code>/bill/confirm/", views.bill_confirm, name="bill_confirm"),
]

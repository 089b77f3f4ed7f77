from django.urls import path

from fahuo.contracts import views

app_name = "contracts"

# Pages a one-shop owner opens too (their shops' parts of statements, their parcels' claims) check
# the user's shops themselves; the rest span every shop's parcels (company_wide: 403 otherwise).
urlpatterns = [
    path("", views.home, name="home"),
    path("generate/", views.company_wide(views.generate), name="generate"),
    path("statements/<int:pk>/", views.statement, name="statement"),
    path("statements/<int:pk>/status/", views.company_wide(views.statement_status), name="statement_status"),
    path("statements/<int:pk>/<str:kind>/", views.company_wide(views.statement_file), name="statement_file"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/photos/<int:photo>/", views.claim_photo, name="claim_photo"),
    path("claims/<int:pk>/pdf/", views.claim_pdf, name="claim_pdf"),
    path("claims/<int:pk>/<str:action>/", views.company_wide(views.claim_action), name="claim_action"),
    path("incidents/", views.company_wide(views.incident_add), name="incident_add"),
    path("deposit/", views.company_wide(views.deposit_add), name="deposit_add"),
    path("<str:code>/terms/", views.company_wide(views.terms), name="terms"),
    path("<str:code>/bill/", views.company_wide(views.bill_upload), name="bill_upload"),
    path("<str:code>/bill/confirm/", views.company_wide(views.bill_confirm), name="bill_confirm"),
]

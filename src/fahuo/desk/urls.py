from django.contrib.auth import views as auth_views
from django.urls import path

from fahuo.accounts.throttle import ThrottledAuthenticationForm
from fahuo.desk import views, views_decrypt, views_platform_print

app_name = "desk"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/recipient/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/reveal/", views.order_reveal, name="order_reveal"),
    path("orders/<int:pk>/decrypt/", views_decrypt.order_decrypt, name="order_decrypt"),
    path(
        "orders/<int:pk>/platform-waybill/",
        views_decrypt.order_platform_waybill,
        name="order_platform_waybill",
    ),
    path("labels/print/", views.print_labels, name="print_labels"),
    path("labels/platform/", views_platform_print.platform_print_page, name="platform_print"),
    path(
        "labels/platform/prepare/", views_platform_print.platform_print_prepare, name="platform_print_prepare"
    ),
    path("labels/platform/result/", views_platform_print.platform_print_result, name="platform_print_result"),
    path("labels/<str:key>/", views.print_result, name="print_result"),
    path("labels/<str:key>/pdf/", views.print_download, name="print_download"),
    path("import/", views.import_orders, name="import"),
    path("import/<int:pk>/", views.import_report, name="import_report"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("import/<int:pk>/resume/", views.import_resume, name="import_resume"),
]

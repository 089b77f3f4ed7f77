from django.urls import path, re_path

from fahuo.livestream import views

app_name = "live"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_form, name="session_new"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_form, name="session_edit"),
    path("<int:pk>/notices/", views.notices_create, name="notices_create"),
    path("<int:pk>/notices/<str:code>/sent/", views.notice_sent, name="notice_sent"),
    re_path(
        r"^(?P<pk>\d+)/notices/(?P<code>[\w-]+)\.(?P<ext>pdf|xlsx)$", views.notice_file, name="notice_file"
    ),
]

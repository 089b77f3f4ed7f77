from django.urls import path

from fahuo.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.members, name="members"),
    path("add/", views.member_add, name="member_add"),
    path("<int:pk>/role/", views.member_role, name="member_role"),
    path("<int:pk>/remove/", views.member_remove, name="member_remove"),
]

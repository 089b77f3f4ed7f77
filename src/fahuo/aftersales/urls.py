from django.urls import path

from fahuo.aftersales import views

app_name = "aftersales"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/decision/", views.decide, name="decide"),
    path("<int:pk>/receive/", views.receive, name="receive"),
    path("<int:pk>/pickup/", views.pickup, name="pickup"),
    path("<int:pk>/exchange/", views.exchange, name="exchange"),
    path("orders/<int:order_pk>/dispute-pack/", views.dispute_pack, name="dispute_pack"),
]

from django.urls import path

from fahuo.setup import views, views_carrier, views_douyin, views_shipping

app_name = "setup"

urlpatterns = [
    path("welcome/", views.welcome, name="welcome"),
    path("", views.home, name="home"),
    path("shops/", views.shops, name="shops"),
    path("douyin/callback/", views_douyin.douyin_callback, name="douyin_callback"),
    path("shops/<str:code>/douyin/", views_douyin.shop_douyin, name="shop_douyin"),
    path("shops/<str:code>/shipping/", views_shipping.shop_shipping, name="shop_shipping"),
    path("warehouses/", views.warehouses, name="warehouses"),
    path("carriers/", views.carriers, name="carriers"),
    path("carriers/<str:code>/", views_carrier.carrier_detail, name="carrier_detail"),
    path("products/", views.products, name="products"),
    path("products/template.csv", views.product_template, name="product_template"),
    path("products/<str:code>/", views.product_edit, name="product_edit"),
    path("stock/", views.stock, name="stock"),
    path("stock/export.xlsx", views.stock_export, name="stock_export"),
]

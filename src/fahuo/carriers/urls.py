from django.urls import path

from fahuo.carriers import views

app_name = "carriers"

urlpatterns = [
    path("", views.rates, name="rates"),
    path("quote/", views.quote, name="quote"),
    path("upload/", views.upload, name="upload"),
    path("<str:code>/", views.carrier, name="carrier"),
]

from django.urls import URLPattern, URLResolver, path

from fahuo.fulfilment.batches import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.batch_list, name="batch_list"),
    path("create/", views.batch_create, name="batch_create"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("<int:pk>/pdf/", views.batch_pdf, name="batch_pdf"),
    path("<int:pk>/resume/", views.batch_resume, name="batch_resume"),
    path("<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("<int:pk>/orders/<int:order_pk>/reprint/", views.batch_reprint, name="batch_reprint"),
    path("<int:pk>/orders/<int:order_pk>/void/", views.batch_void, name="batch_void"),
]

"""Live board and review pages, mounted at ``live/`` next to the session pages (distinct paths)."""

from django.urls import path

from fahuo.livestream import views_review as views

app_name = "live_review"

urlpatterns = [
    path("board/<str:ref>/", views.board_page, name="board"),
    path("review/", views.review_history, name="history"),
    path("review/<str:ref>/", views.review_page, name="review"),
    path("review/<str:ref>/review.xlsx", views.review_xlsx, name="review_xlsx"),
    path("review/<str:ref>/review.pdf", views.review_pdf, name="review_pdf"),
]

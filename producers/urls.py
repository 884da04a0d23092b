"""The producers' portal under /producer/ (Vietnamese) and /en/producer/ (English)."""
from django.urls import path

from producers import views

app_name = "producers"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("switch/", views.switch, name="switch"),
]

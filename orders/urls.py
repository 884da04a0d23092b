from django.urls import path

from orders import views

urlpatterns = [
    path("webhooks/stripe/", views.stripe_webhook, name="stripe-webhook"),
    path("webhooks/bank-transfer/", views.bank_transfer_webhook, name="bank-transfer-webhook"),
    path("vietqr/<uuid:token>.png", views.vietqr_png, name="vietqr-png"),
]

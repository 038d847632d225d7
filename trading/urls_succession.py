"""URLs for the holdings of mergers and splits (Art. 14); included by trading/urls.py under the
"trading" namespace."""

from django.urls import path

from .views import succession as succession_views

urlpatterns = [
    path("admin/successions/", succession_views.succession_list, name="succession_list"),
    path("admin/successions/<int:pk>/", succession_views.succession_event, name="succession_event"),
]

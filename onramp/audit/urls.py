from __future__ import annotations

from django.urls import path

from onramp.audit import privacy_views, views

app_name = "audit"
urlpatterns = [
    path("", views.activity, name="activity"),
    path("services/<slug:slug>/", views.service_activity, name="service_activity"),
    path("history/<str:app_label>/<str:model>/<str:pk>/", views.history, name="history"),
    path("people/<int:pk>/export/", privacy_views.person_export, name="person_export"),
    path("people/<int:pk>/anonymise/", privacy_views.person_anonymise, name="person_anonymise"),
]

from __future__ import annotations

from django.urls import path

from onramp.adoption import views

app_name = "adoption"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.service_adoption, name="service"),
    path("<slug:slug>/upload/", views.upload, name="upload"),
    path("<slug:slug>/upload/<str:token>/", views.upload_confirm, name="upload_confirm"),
    path("<slug:slug>/rule/", views.rule_edit, name="rule"),
    path("unmatched/<int:pk>/map/", views.identity_map, name="map"),
]

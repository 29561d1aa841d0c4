from __future__ import annotations

from django.urls import path

from onramp.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("new/", views.service_create, name="service_create"),
    path("<slug:slug>/", views.service_detail, name="service_detail"),
    path("<slug:slug>/edit/", views.service_edit, name="service_edit"),
    path("<slug:slug>/archive/", views.service_archive, name="service_archive"),
    path("<slug:slug>/versions/", views.service_version_add, name="service_version_add"),
]

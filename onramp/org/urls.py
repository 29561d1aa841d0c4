from __future__ import annotations

from django.urls import path

from onramp.org import import_views, views

app_name = "org"
urlpatterns = [
    path("", views.unit_tree, name="unit_tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("projects/", views.projects, name="projects"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<str:token>/", import_views.import_preview, name="import_preview"),
    path("import/<str:token>/apply/", import_views.import_apply, name="import_apply"),
]

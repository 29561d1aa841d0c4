from __future__ import annotations

from django.urls import path

from onramp.rollout import gate_views, roadmap_views, views

app_name = "rollout"
urlpatterns = [
    path("", roadmap_views.index, name="index"),
    path("change-load/", roadmap_views.change_load, name="change_load"),
    path("export.xlsx", roadmap_views.export_xlsx, name="export_xlsx"),
    path("calendar/", roadmap_views.calendar_page, name="calendar"),
    path("calendar/new/", roadmap_views.calendar_token_new, name="calendar_token_new"),
    path("calendar/revoke/", roadmap_views.calendar_token_revoke, name="calendar_token_revoke"),
    path("calendar/<str:token>.ics", roadmap_views.calendar_feed, name="calendar_feed"),
    path("service/<slug:slug>/", roadmap_views.service_roadmap, name="service_roadmap"),
    path("service/<slug:slug>/new/", views.rollout_create, name="rollout_create"),
    path("<int:pk>/", views.rollout_detail, name="rollout_detail"),
    path("<int:pk>/edit/", views.rollout_edit, name="rollout_edit"),
    path("<int:pk>/waves/new/", views.wave_create, name="wave_create"),
    path("waves/<int:pk>/edit/", views.wave_edit, name="wave_edit"),
    path("waves/<int:pk>/lessons/new/", views.lesson_create, name="lesson_create"),
    path("lessons/<int:pk>/applied/", views.lesson_apply, name="lesson_apply"),
    path("<int:pk>/milestones/new/", views.milestone_create, name="milestone_create"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path("<int:pk>/gates/new/", gate_views.gate_create, name="gate_create"),
    path("gates/<int:pk>/", gate_views.gate_detail, name="gate_detail"),
    path("gates/<int:pk>/criteria/", gate_views.criterion_add, name="criterion_add"),
    path("criteria/<int:pk>/delete/", gate_views.criterion_delete, name="criterion_delete"),
    path("gates/<int:pk>/evaluate/", gate_views.gate_evaluate, name="gate_evaluate"),
    path("gates/<int:pk>/decide/", gate_views.gate_decide, name="gate_decide"),
]

from __future__ import annotations

from django.urls import path

from onramp.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/settings/", views.survey_edit, name="survey_edit"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:qid>/", views.question_change, name="question_change"),
    path("<int:pk>/status/", views.survey_status, name="survey_status"),
    path("<int:pk>/distribute/", views.survey_distribute, name="survey_distribute"),
    path("<int:pk>/remind/", views.survey_remind, name="survey_remind"),
    path("<int:pk>/preview/", views.survey_preview, name="survey_preview"),
    path("<int:pk>/results/", views.survey_results, name="survey_results"),
    path("<int:pk>/results.xlsx", views.survey_export, name="survey_export"),
    path("<int:pk>/responses/", views.survey_responses, name="survey_responses"),
    path("<int:pk>/import/", views.survey_import, name="survey_import"),
]

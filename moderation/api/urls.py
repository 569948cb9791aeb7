"""The moderation API: viewers' reports."""

from django.urls import path

from moderation.api.views import ReportView

urlpatterns = [path("reports/", ReportView.as_view(), name="api-reports")]

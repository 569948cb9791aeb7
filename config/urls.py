"""URL map: pages, the REST API and its schema, media files, health checks."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import body_limits, health
from config.api_errors import api_not_found
from config.aws import webhook

body_limits.accept(webhook.BODY_LIMIT, "aws-sns")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("hooks/aws/sns/", webhook.sns_webhook, name="aws-sns"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("accounts.api_urls")),
    path("api/", include("catalog.api.urls")),
    path("api/", include("live.api.urls")),
    path("api/", include("moderation.api.urls")),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),  # after every API route: JSON, not HTML
    path("media/", include("catalog.media_urls")),
    path("", include("moderation.urls")),
    path("", include("live.urls")),
    path("", include("catalog.urls")),
]

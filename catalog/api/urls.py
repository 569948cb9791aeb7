"""Routes of the video API, mounted under /api/."""

from rest_framework.routers import SimpleRouter

from catalog.api.tracks import TrackViewSet
from catalog.api.views import VideoViewSet
from config import body_limits

router = SimpleRouter()
router.register("videos", VideoViewSet, basename="api-video")
router.register("tracks", TrackViewSet, basename="api-track")

urlpatterns = router.urls

# What these routes' POST bodies may hold; every other route: DATA_UPLOAD_MAX_MEMORY_SIZE.
body_limits.accept(body_limits.UPLOAD, "api-video-list")
body_limits.accept(body_limits.UPLOAD, "api-track-list")
body_limits.accept(body_limits.SUBTITLE, "api-video-subtitles")

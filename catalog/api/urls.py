"""Routes of the video API, mounted under /api/."""

from rest_framework.routers import SimpleRouter

from catalog.api.views import VideoViewSet

router = SimpleRouter()
router.register("videos", VideoViewSet, basename="api-video")

urlpatterns = router.urls

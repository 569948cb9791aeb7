"""The channels API (DESIGN.md, public contract)."""

from rest_framework.routers import SimpleRouter

from config import body_limits
from live import images
from live.api.views import ChannelViewSet

router = SimpleRouter()
router.register("channels", ChannelViewSet, basename="api-channel")

urlpatterns = router.urls

# A PATCH may carry the avatar and the offline image; every other route keeps the default.
body_limits.accept(images.BODY_LIMIT, "api-channel-detail", methods=("PATCH",))

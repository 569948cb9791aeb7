"""Live pages: the channel list, a channel's page and the streamer's own channels."""

from django.urls import path

from config import body_limits
from live import images, views, views_owner

app_name = "live"

# The streamer's own pages (live/views_owner.py).
owner_patterns = [
    path("me/channels/", views_owner.my_channels, name="my_channels"),
    path("me/channels/new/", views_owner.channel_new, name="channel_new"),
    path("me/channels/<slug:slug>/", views_owner.my_channel, name="my_channel"),
    path("me/channels/<slug:slug>/edit/", views_owner.channel_edit, name="channel_edit"),
    path("me/channels/<slug:slug>/rotate/", views_owner.channel_rotate, name="channel_rotate"),
    path("me/channels/<slug:slug>/end/", views_owner.channel_end, name="channel_end"),
    path("me/channels/<slug:slug>/delete/", views_owner.channel_delete, name="channel_delete"),
    path("me/channels/<slug:slug>/replays/", views_owner.channel_replays, name="channel_replays"),
    path(
        "me/channels/<slug:slug>/moderators/",
        views_owner.channel_moderators,
        name="channel_moderators",
    ),
    path(
        "me/channels/<slug:slug>/moderators/<str:username>/remove/",
        views_owner.moderator_remove,
        name="moderator_remove",
    ),
]

urlpatterns = [
    path("live/", views.channel_list, name="channels"),
    path("live/<str:slug>/", views.channel_detail, name="channel"),
    *owner_patterns,
]

# The edit page's form may carry both channel images.
body_limits.accept(images.BODY_LIMIT, f"{app_name}:channel_edit")

"""Live pages: the channel list, a channel's page and the streamer's own channels."""

from django.urls import path

from live import views

app_name = "live"

urlpatterns = [
    path("live/", views.channel_list, name="channels"),
    path("live/<str:slug>/", views.channel_detail, name="channel"),
]

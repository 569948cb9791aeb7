"""Live pages: the channel list, a channel's page and the streamer's own channels."""

app_name = "live"

urlpatterns: list = []

from django.urls import path

from catalog import views
from catalog.music import player_page
from catalog.music import views as music_pages
from config import body_limits

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("videos/<str:pk>/", views.video_detail, name="video"),
    path("upload/", views.upload, name="upload"),
    path("me/videos/", views.my_videos, name="my_videos"),
    path("me/videos/<str:pk>/edit/", views.video_edit, name="video_edit"),
    path("me/videos/<str:pk>/delete/", views.video_delete, name="video_delete"),
    path("me/videos/<str:pk>/retry/", views.video_retry, name="video_retry"),
    path("me/videos/<str:pk>/subtitles/", views.video_subtitles, name="video_subtitles"),
    path(
        "me/videos/<str:pk>/subtitles/<slug:language>/remove/",
        views.subtitle_remove,
        name="subtitle_remove",
    ),
    path("music/", player_page.music, name="music"),
    path("music/upload/", music_pages.upload, name="music_upload"),
]

# What these routes' POST bodies may hold; every other route: DATA_UPLOAD_MAX_MEMORY_SIZE.
body_limits.accept(body_limits.UPLOAD, f"{app_name}:upload")
body_limits.accept(body_limits.SUBTITLE, f"{app_name}:video_subtitles")
body_limits.accept(body_limits.UPLOAD, f"{app_name}:music_upload")

"""Media files of local storage, mounted at /media/ (S3 URLs point at the bucket instead)."""

from django.urls import path

from catalog import media

urlpatterns = [
    path("<path:name>", media.serve, name="media"),
]

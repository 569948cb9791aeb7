"""Media files of local storage, mounted at /media/ (S3 URLs point at the bucket instead).

``grant/<grant>/…`` serves a private video's files to its owner's grant on either storage.
"""

from django.urls import path

from catalog import media

urlpatterns = [
    path("grant/<str:grant>/<path:name>", media.serve_granted, name="media-grant"),
    path("<path:name>", media.serve, name="media"),
]

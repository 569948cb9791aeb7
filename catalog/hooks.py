"""What other apps may hook into when the catalog changes (moderation checks new videos).

``video_published`` is sent once the transaction that made a video ready has committed, with
``video_id`` and ``kind`` (a catalog.Video.Kind value).
"""

from django.dispatch import Signal

video_published = Signal()

"""What other apps may hook into: moderation listens for live thumbnails here."""

from django.dispatch import Signal

# Sent by the live worker after a thumbnail of a live session reached storage, with
# ``session`` (a LiveSession) and ``name`` (a storage name, not a local path: the receiver may
# run on another machine). Receivers run in the time-critical "live" task cluster.
thumbnail_captured = Signal()

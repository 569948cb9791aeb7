"""What other apps may hook into when bans change (the chat closes the banned user's sockets).

Both are sent once the transaction that wrote the ban has committed, with ``ban`` (a
moderation.Ban).
"""

from django.dispatch import Signal

ban_issued = Signal()
ban_lifted = Signal()

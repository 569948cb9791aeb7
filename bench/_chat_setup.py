"""Fill the chat_fanout benchmark's throwaway database: channels and signed-in senders.

Run in the benchmark's environment (its DATABASE_URL) as ``_chat_setup.py CHANNELS SENDERS``;
prints one JSON line: the channels' slugs and one session cookie per sender, which the
senders present with an allowed Origin, as a browser does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django


def main(channels: int, senders: int) -> None:
    django.setup()
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from live.services import channel_create

    owner = User.objects.create_user(username="bench-owner", password=None, is_superuser=True)
    slugs = []
    for i in range(channels):
        slug = f"bench-{i}"
        channel_create(owner=owner, slug=slug, title=f"Bench {i}")
        slugs.append(slug)
    cookies = []
    for i in range(senders):
        user = User.objects.create_user(username=f"bench-sender-{i}", password=None)
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        cookies.append(f"{name}={client.cookies[name].value}")
    print(json.dumps({"channels": slugs, "cookies": cookies}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))

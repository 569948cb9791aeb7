"""A channel's chat: messages, limits, moderation from the chat, and the per-process fan-out.

- ``frames``: what clients send and what the server sends back (docs/chat.md).
- ``roles``: who is the owner, a moderator or staff in a channel's chat, and who may act on whom.
- ``limits``: the per-user rate, slow mode and duplicate checks (in memory, or in Redis).
- ``hooks``: the checks every message passes before it is broadcast (AI moderation plugs in).
- ``services`` / ``selectors``: writes and reads; ``tickets``: passes for clients without Origin.
- ``hub``: this process's sockets per channel, fed by one bus subscription per channel.
"""

from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Streamer channels, the RTMP ingest, live packaging, replays, the channel socket and chat."""

    name = "live"
    verbose_name = "Live"

    def ready(self) -> None:
        from accounts.services import on_user_delete
        from catalog import access_rules
        from catalog.sections import register_home_section, register_video_section
        from config import warmup
        from live import hooks, sections, services
        from live import moderation as live_moderation
        from live.chat import enforce
        from live.chat import hooks as chat_hooks
        from live.media_access import session_media_access
        from moderation import hooks as moderation_hooks
        from moderation import targets

        # A live session's files: public while live, then as visible as its replay.
        access_rules.register("live/", session_media_access)
        # The catalog's home page shows the channels live now above its videos.
        register_home_section(template="live/_home_live_now.html", context=sections.live_now)
        # A replay's page plays its chat back beside the video.
        register_video_section(template="live/_replay_chat.html", context=sections.replay_chat)
        # Deleting an account deletes its channels' images and ends their streams.
        on_user_delete(services.user_channels_delete)
        # A ban closes the user's chat sockets everywhere (and a banned streamer's stream).
        moderation_hooks.ban_issued.connect(enforce.on_ban_issued, dispatch_uid="live-chat-ban")
        # AI moderation: chat messages are classified before they are broadcast, live pictures
        # on the fast queue; flags can end a stream, hold a replay, hide a chat message.
        for target in live_moderation.TARGETS:
            targets.register(target)
        chat_hooks.register_message_hook(live_moderation.check_message)
        warmup.register(live_moderation.warm_up)
        hooks.thumbnail_captured.connect(
            live_moderation.on_thumbnail_captured, dispatch_uid="live-moderation"
        )
        # Amazon IVS: its stream and recording events, bans mirrored to IVS Chat rooms, and
        # `manage.py check` of its settings.
        from catalog.s3 import register_unzoned
        from live.ivs import chat as ivs_chat
        from live.ivs import checks as ivs_checks
        from live.ivs import events as ivs_events

        ivs_events.register()
        # IVS records at the media bucket's root (ivs/v1/…), outside the storage's zones.
        register_unzoned("ivs/")
        moderation_hooks.ban_issued.connect(ivs_chat.on_ban_issued, dispatch_uid="live-ivs-ban")
        ivs_checks.register()

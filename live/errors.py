"""Errors of live channels, with messages meant for the person who caused them."""

from config.api_errors import UserFacingError


class LiveError(UserFacingError):
    """Base class: ``str(error)`` is shown to the user as it is (status 400 unless overridden)."""


class ChannelLimitReached(LiveError):
    status_code = 403


class InvalidChannel(LiveError):
    pass


class NotLive(LiveError):
    status_code = 409

"""Errors of live channels, with messages meant for the person who caused them."""

from config.api_errors import UserFacingError


class LiveError(UserFacingError):
    """Base class: ``str(error)`` is shown to the user as it is (status 400 unless overridden)."""


class ChannelLimitReached(LiveError):
    status_code = 403


class InvalidChannel(LiveError):
    """A channel's details are refused; ``field`` names the one at fault, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidImage(InvalidChannel):
    """A channel image is not an image we take (type, size, dimensions, damage)."""


class NotLive(LiveError):
    status_code = 409


class ChannelIsLive(LiveError):
    status_code = 409


class ProvisioningFailed(LiveError):
    """The streaming service could not create (or change) a channel's resources."""

    status_code = 503


class NotProvisioned(LiveError):
    """The channel's streaming resources do not exist yet (approval pending, or failed)."""

    status_code = 409

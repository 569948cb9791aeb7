"""Errors the catalog raises with messages meant for the person who caused them."""

from config.api_errors import UserFacingError


class CatalogError(UserFacingError):
    """Base class: ``str(error)`` is shown to the user as it is (status 400 unless overridden)."""


class UploadTooLarge(CatalogError):
    status_code = 413


class InvalidSubtitle(CatalogError):
    pass


class NotRetryable(CatalogError):
    status_code = 409

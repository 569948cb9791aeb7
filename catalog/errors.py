"""Errors the catalog raises with messages meant for the person who caused them."""

from config.api_errors import UserFacingError


class CatalogError(UserFacingError):
    """Base class: ``str(error)`` is shown to the user as it is (status 400 unless overridden)."""


class UploadTooLarge(CatalogError):
    status_code = 413


class StorageQuotaExceeded(CatalogError):
    status_code = 413  # this file is more than the space the user has left


class QueueQuotaExceeded(CatalogError):
    # 429: too much asked of the workers for now; it passes as the queue drains.
    status_code = 429
    retry_after = 60  # seconds: a transcode takes minutes, asking sooner is pointless


class InvalidSubtitle(CatalogError):
    pass


class NotRetryable(CatalogError):
    status_code = 409


class HeldForReview(CatalogError):
    status_code = 409

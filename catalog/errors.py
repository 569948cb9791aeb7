"""Errors the catalog raises with messages meant for the person who caused them."""


class CatalogError(Exception):
    """Base class: ``str(error)`` is shown to the user as it is."""

    status_code = 400


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

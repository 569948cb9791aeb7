"""Errors the catalog raises with messages meant for the person who caused them."""


class CatalogError(Exception):
    """Base class: ``str(error)`` is shown to the user as it is."""

    status_code = 400


class UploadTooLarge(CatalogError):
    status_code = 413


class InvalidSubtitle(CatalogError):
    pass


class NotRetryable(CatalogError):
    status_code = 409

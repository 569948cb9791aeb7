from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"


class OnairAdminConfig(admin_apps.AdminConfig):
    """Django's admin on a site whose sign-in limits password guessing."""

    default = False  # INSTALLED_APPS' "accounts" still means AccountsConfig
    default_site = "accounts.admin_site.OnairAdminSite"

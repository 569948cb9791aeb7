"""The channels API (DESIGN.md, public contract)."""

urlpatterns: list = []

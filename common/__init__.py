"""Helpers every app shares; plain Python, importing nothing of ours (not a Django app)."""

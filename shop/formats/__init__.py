"""Locale formats of the shop (settings.FORMAT_MODULE_PATH), over Django's own."""

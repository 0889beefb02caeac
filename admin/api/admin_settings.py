"""JSON API of the 设置 pages: importing the modules registers their routes on `API`."""

from __future__ import annotations

from admin.api import (  # noqa: F401
    admin_settings_audit,
    admin_settings_corps,
    admin_settings_rules,
    admin_settings_staff,
    admin_settings_sync,
    admin_settings_tags,
    admin_settings_users,
)

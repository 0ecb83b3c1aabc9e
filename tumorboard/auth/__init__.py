"""Users, roles, sign-in and the admin's user management."""

from tumorboard.auth import admin_views as _admin_views  # noqa: F401  (registers the admin routes on bp)
from tumorboard.auth.views import bp

__all__ = ["bp"]

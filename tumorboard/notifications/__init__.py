"""In-app notifications, e-mailed too when the site has a mail server."""

from tumorboard.notifications.views import bp

__all__ = ["bp"]

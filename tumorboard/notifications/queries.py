"""Read side of the notifications package."""

from sqlalchemy import Select, select

from tumorboard.auth.models import User
from tumorboard.notifications.models import Notification


def notifications_of(user: User) -> Select:
    """The user's notifications, newest first, for the paginated list."""
    return select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())

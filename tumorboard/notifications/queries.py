"""Read side of the notifications package."""

from sqlalchemy import Select, select

from tumorboard.auth.models import User
from tumorboard.notifications.models import Notification

# newest first, by the (user_id, created_at, id) index; a jump goes to a day
ORDER = (Notification.created_at.desc(), Notification.id.desc())


def notifications_of(user: User) -> Select:
    """The user's notifications, newest first, for the keyset list."""
    return select(Notification).where(Notification.user_id == user.id).order_by(*ORDER)

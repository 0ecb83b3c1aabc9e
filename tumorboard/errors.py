"""Exceptions that operations raise and the app turns into clear answers (never a 500)."""

from typing import Any


class OperationError(ValueError):
    """The action cannot be done as asked; the message is shown to the user as is. A lazy message (the
    catalogue's) is read here, in the language of the request that raised it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class StaleEdit(Exception):
    """Someone saved the record after this form was loaded: answer 409, overwrite nothing."""

    def __init__(self, entity: Any, expected_version: int | None):
        super().__init__(f"{entity.__tablename__} {entity.id} changed since version {expected_version}")
        self.entity_type = entity.__tablename__
        self.entity_id = entity.id
        self.expected_version = expected_version
        self.current_version = entity.version


def check_version(entity: Any, expected_version: int | None) -> None:
    """Optimistic locking: the version the user saw must still be the current one."""
    if expected_version is None or int(expected_version) != entity.version:
        raise StaleEdit(entity, expected_version)

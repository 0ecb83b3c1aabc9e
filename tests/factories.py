"""One factory per model: realistic defaults, any field overridable."""

import itertools
from functools import lru_cache

from tumorboard.auth.models import User, UserRole
from tumorboard.auth.passwords import hash_password
from tumorboard.auth.roles import Role
from tumorboard.boards.models import Board, BoardMembership
from tumorboard.clinical.specialties import Specialty
from tumorboard.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)

ROLE_SPECIALTY = {
    Role.SUBMITTER: Specialty.MEDICAL_ONCOLOGY,
    Role.COORDINATOR: Specialty.OTHER,
    Role.SPECIALIST: Specialty.RADIOLOGY,
    Role.CHAIR: Specialty.MEDICAL_ONCOLOGY,
    Role.ADMIN: Specialty.OTHER,
}


@lru_cache(maxsize=16)
def _hash(password: str) -> str:
    return hash_password(password)


def create_user(
    *, roles=(Role.SUBMITTER,), boards=(), password: str = PASSWORD, email: str | None = None, **overrides
) -> User:
    n = next(_seq)
    roles = [Role(r) for r in roles]
    user = User(
        email=email or f"{roles[0].value}{n}@hospital.org",
        name=overrides.pop("name", f"Dr. Test {roles[0].value.title()} {n}"),
        password_hash=_hash(password),
        specialty=overrides.pop("specialty", ROLE_SPECIALTY[roles[0]].value),
        **overrides,
    )
    user.role_rows = [UserRole(role=r.value) for r in roles]
    user.memberships = [BoardMembership(board=b) for b in boards]
    db.session.add(user)
    db.session.commit()
    return user


def create_board(**overrides) -> Board:
    n = next(_seq)
    board = Board(
        name=overrides.pop("name", f"Board {n}"), description=overrides.pop("description", ""), **overrides
    )
    db.session.add(board)
    db.session.commit()
    return board

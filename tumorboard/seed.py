"""Demo data: boards and one account per role, plus the specialists a board needs for quorum."""

from flask import current_app
from sqlalchemy import func, select

from tumorboard.auth import operations as auth_operations
from tumorboard.auth.models import User
from tumorboard.auth.roles import Role
from tumorboard.boards import operations as board_operations
from tumorboard.cases.demo_data import seed_demo_cases
from tumorboard.clinical.specialties import Specialty
from tumorboard.decisions.demo_data import seed_demo_history
from tumorboard.extensions import db
from tumorboard.meetings.demo_data import seed_demo_meetings

BOARDS = (
    ("GEP-NET board", "Weekly board for neuroendocrine tumours of the gastro-entero-pancreatic system."),
    ("Thoracic NET board", "Fortnightly board for lung and thymic carcinoids and neuroendocrine carcinomas."),
)

# (email, name, roles, specialty, boards by index)
ACCOUNTS = (
    ("submitter@example.org", "Dr. Sofia Brandt", (Role.SUBMITTER,), Specialty.MEDICAL_ONCOLOGY, (0, 1)),
    ("coordinator@example.org", "Jonas Keller", (Role.COORDINATOR,), Specialty.OTHER, (0, 1)),
    ("specialist@example.org", "Dr. Amira Haddad", (Role.SPECIALIST,), Specialty.NUCLEAR_MEDICINE, (0, 1)),
    (
        "chair@example.org",
        "Prof. Henrik Vogel",
        (Role.CHAIR, Role.SPECIALIST),
        Specialty.MEDICAL_ONCOLOGY,
        (0, 1),
    ),
    ("admin@example.org", "Petra Lindqvist", (Role.ADMIN,), Specialty.OTHER, ()),
    ("privacy@example.org", "Karin Albers", (Role.PRIVACY,), Specialty.OTHER, ()),
    ("surgery@example.org", "Dr. Marco Rossi", (Role.SPECIALIST,), Specialty.SURGERY, (0, 1)),
    ("radiology@example.org", "Dr. Lena Hoffmann", (Role.SPECIALIST,), Specialty.RADIOLOGY, (0, 1)),
    ("pathology@example.org", "Dr. Yusuf Demir", (Role.SPECIALIST,), Specialty.PATHOLOGY, (0, 1)),
    ("gastro@example.org", "Dr. Claire Dubois", (Role.SPECIALIST,), Specialty.GASTROENTEROLOGY, (0,)),
    ("endocrinology@example.org", "Dr. Nils Berg", (Role.SPECIALIST,), Specialty.ENDOCRINOLOGY, (0, 1)),
)


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(User.id)))


def seed_demo() -> list[str]:
    """Create the demo boards and accounts; returns the logins, role accounts first."""
    boards = [board_operations.create_board(None, name=name, description=text) for name, text in BOARDS]
    password = current_app.config["DEMO_PASSWORD"]
    for email, name, roles, specialty, board_indexes in ACCOUNTS:
        auth_operations.create_user(
            None,
            email=email,
            name=name,
            specialty=specialty.value,
            roles=[r.value for r in roles],
            password=password,
            board_ids=[boards[i].id for i in board_indexes],
            must_change_password=False,
            demo_seed=True,
        )
    _board_functions(boards)
    seed_demo_cases()
    seed_demo_meetings()
    seed_demo_history()
    return [account[0] for account in ACCOUNTS]


def _board_functions(boards) -> None:
    """The demo coordinator coordinates, and the demo chair chairs, both boards."""
    for email, flag in (("coordinator@example.org", "is_coordinator"), ("chair@example.org", "is_chair")):
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        for membership in user.memberships:
            setattr(membership, flag, True)
    db.session.flush()

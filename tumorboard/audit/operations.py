"""Actions on the audit log itself."""

from tumorboard.audit.recording import record
from tumorboard.audit.verification import audit_problems


def verify_audit_chain(actor) -> list[str]:
    """An admin checks the whole trail; the check itself is recorded, with how many problems it found."""
    problems = audit_problems()
    record("audit.verified", actor=actor, details={"problems": len(problems)})
    return problems

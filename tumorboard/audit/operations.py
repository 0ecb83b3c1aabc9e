"""Actions on the audit log itself."""

from tumorboard.audit.recording import ChainProblem, record, verify_chain


def verify_audit_chain(actor) -> list[ChainProblem]:
    """An admin checks the whole chain; the check itself is recorded, with how many problems it found."""
    problems = list(verify_chain())
    record("audit.verified", actor=actor, details={"problems": len(problems)})
    return problems

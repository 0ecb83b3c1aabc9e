"""The signed-in user's dashboard, and a health check for the load balancer."""

from flask import jsonify, render_template
from flask_login import current_user

from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth import throttle
from tumorboard.auth.access import public, require_login
from tumorboard.main import queries
from tumorboard.main.blueprint import bp


@bp.get("/")
@require_login
def dashboard():
    user = current_user._get_current_object()
    my_cases = queries.my_cases(user)
    overdue = queries.overdue_follow_ups(user)
    pool = queries.board_pool(user)
    to_sign = queries.decisions_to_sign(user)
    shown = [
        *(my_cases or {}).get("cases", []),
        *(d.case for d in to_sign or []),
        *(d.case for d in overdue or []),
        *(pool or {}).get("cases", []),
    ]
    log_access(AccessPage.DASHBOARD, cases=shown)
    return render_template(
        "main/dashboard.html",
        boards=queries.my_boards(user),
        history=queries.sign_in_history(user),
        admin=queries.admin_overview() if user.is_admin else None,
        my_cases=my_cases,
        overdue=overdue,
        pool=pool,
        next_meetings=queries.next_meetings(user),
        to_sign=to_sign,
    )


@bp.get("/healthz")
@public
def health():
    """For the load balancer and the admin's monitoring: the database and the shared throttling store
    (Redis), each "ok" or "unreachable"; 503 when either fails."""
    parts = {
        "database": queries.database_answers(),
        "throttle_store": throttle.storage_answers(),
    }
    body = {name: "ok" if up else "unreachable" for name, up in parts.items()}
    if not all(parts.values()):
        return jsonify(status="error", **body), 503
    return jsonify(status="ok", **body)

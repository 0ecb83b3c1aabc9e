"""The signed-in user's dashboard; liveness, readiness and metrics for the load balancer and monitoring."""

from flask import Response, abort, jsonify, render_template, request
from flask_login import current_user

from tumorboard import metrics
from tumorboard.audit.access import log_access
from tumorboard.audit.models import AccessPage
from tumorboard.auth.access import public, require_login
from tumorboard.main import probes, queries
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
    """Liveness: the process answers requests. It asks nothing else on purpose: a liveness failure
    restarts the process, and restarting every app server because the database or Redis is down helps
    nothing. Whether this server can serve is /readyz."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def ready():
    """Readiness, for the load balancer and the admin's monitoring: the database answers, its migrations
    are at the code's head, the throttling store (Redis) answers, and the job queue when one is set; 503
    naming the part that failed."""
    parts = probes.readiness()
    if any(word != "ok" for word in parts.values()):
        return jsonify(status="error", **parts), 503
    return jsonify(status="ok", **parts)


@bp.get("/metrics")
@public
def metrics_page():
    """Prometheus metrics, for clients in METRICS_ALLOWED_NETWORKS only; a 404 for anyone else."""
    if not metrics.client_allowed(request.remote_addr):
        abort(404)
    return Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE_LATEST)

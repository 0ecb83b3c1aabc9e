"""The API's blueprint: every route under /api/v1, documented by flask-smorest."""

from flask_smorest import Blueprint

from tumorboard.api.access import authenticate

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="Patients, cases, findings, boards, meetings, agendas, signed decisions and follow-ups.",
)
bp.before_request(authenticate)  # the bearer token, before any view (tumorboard.api.access)

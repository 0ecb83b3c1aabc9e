"""The blueprint of this package; its views modules add the routes (tumorboard.VIEW_MODULES)."""

from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

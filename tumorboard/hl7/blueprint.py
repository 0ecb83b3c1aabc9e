"""The blueprint of this package; its views modules add the routes (tumorboard.VIEW_MODULES)."""

from flask import Blueprint

bp = Blueprint("hl7", __name__)

"""The REST API under /api/v1 (flask-smorest on the app itself): the OpenAPI 3.1 document is generated
from the views' schemas and served at /api/v1/openapi.json, with Swagger UI at /api/v1/docs from the
app's own files (swagger-ui-py's copy; no CDN, the CSP stays strict).

The API is the top layer: it reads through the packages' queries and writes through their operations.
Authentication is `access.authenticate` (bearer tokens only); every error is problem+json
(tumorboard.problems, wired into tumorboard.security's handlers).
"""

import copy
import importlib
from datetime import date, timedelta
from http import HTTPStatus
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, render_template, send_from_directory
from flask_smorest import Api

from tumorboard.api.patterns import day_range
from tumorboard.api.schemas import BETWEEN_FIELDS, DAYS, FUTURE_START, PAST_DAY, closed_dict
from tumorboard.auth.access import API_TOKEN, public
from tumorboard.cases.fields import PatientFields
from tumorboard.problems import PROBLEM_JSON
from tumorboard.timezones import hospital_today

API_VIEW_MODULES = ("api.read_views", "api.write_views")

# Every answer an operation may give besides its own, documented once as a shared response.
COMMON_PROBLEMS = (400, 401, 404, 405, 406, 413, 422, 429, 500)
WRITE_PROBLEMS = (403, 409, 412, 415, 428)


class TumorBoardApi(Api):
    """flask-smorest's Api, whose errors are answered by tumorboard.security (problem+json)."""

    def _register_error_handlers(self):
        """The app's own handlers answer every error, the API's as problem+json."""


def _problem_responses() -> dict:
    return {
        str(status): {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in (*COMMON_PROBLEMS, *WRITE_PROBLEMS)
    }


def mrn_pattern(pattern: str) -> str:
    """The hospital's MRN format (config MRN_PATTERN, the one the patient operations check, in full) as
    a JSON Schema pattern, which matches anywhere unless anchored."""
    return pattern if pattern.startswith("^") and pattern.endswith("$") else f"^(?:{pattern})$"


_LOCAL_TIME = "T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$"


def _day_patterns(schemas: dict) -> None:
    """Each date field's range (schemas.DAYS) as the pattern of its days, from the hospital's today."""
    today = hospital_today()
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            kind = prop.pop(DAYS, None)
            if kind == PAST_DAY:
                prop["pattern"] = day_range(date(1900, 1, 1), today)
            elif kind == FUTURE_START:  # a naive local time, which JSON Schema's date-time is not
                prop.pop("format", None)
                prop["pattern"] = day_range(today + timedelta(days=1), date.max)[:-1] + _LOCAL_TIME


def openapi_document(api: Api) -> dict:
    """The generated document, with the problem responses and the bearer scheme on every operation, and
    the MRN's format from the app's configuration (so clients, and Schemathesis, send valid ones)."""
    spec = copy.deepcopy(api.spec.to_dict())
    components = spec.setdefault("components", {})
    mrn = components.get("schemas", {}).get("PatientInput", {}).get("properties", {}).get("mrn")
    if mrn is not None:
        mrn["pattern"] = mrn_pattern(current_app.config["MRN_PATTERN"])
        mrn["description"] = PatientFields.mrn_format()
    _day_patterns(components.get("schemas", {}))
    for name, rules in BETWEEN_FIELDS.items():
        components.get("schemas", {}).get(name, {}).update(copy.deepcopy(rules))
    components.setdefault("responses", {}).update(
        {f"Problem{status}": body for status, body in _problem_responses().items()}
    )
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token (your account page) or a service account's token.",
    }
    spec["security"] = [{"bearer": []}]
    for path in spec.get("paths", {}).values():
        for method, operation in path.items():
            if method == "parameters":
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("default", None)
            statuses = COMMON_PROBLEMS + (WRITE_PROBLEMS if method != "get" else ())
            for status in statuses:  # the framework's own 422 (JSON) too: every error is a problem
                responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
            responses["default"] = {"$ref": "#/components/responses/Problem500"}
    components.get("responses", {}).pop("DEFAULT_ERROR", None)
    components.get("responses", {}).pop("UNPROCESSABLE_CONTENT", None)
    components.get("schemas", {}).pop("Error", None)
    return spec


docs = Blueprint("api_docs", __name__, url_prefix="/api/v1")
SWAGGER_UI_STATIC = Path(importlib.import_module("swagger_ui").__file__ or "").parent / "static"


@docs.get("/openapi.json")
@public
def openapi_json():
    """The API's OpenAPI 3.1 document: public, like any API's reference (it holds no data)."""
    return jsonify(openapi_document(current_app.extensions["tumorboard_api"]))


@docs.get("/docs")
@public
def docs_page():
    return render_template("api/docs.html")


@docs.get("/docs/swagger-ui/<path:filename>")
@public
def swagger_ui_static(filename: str):
    if filename not in ("swagger-ui.css", "swagger-ui-bundle.js"):
        return current_app.make_response(("", 404))
    return send_from_directory(SWAGGER_UI_STATIC, filename, max_age=86400)


def init_app(app: Flask) -> None:
    from tumorboard.api.blueprint import bp
    from tumorboard.api.schemas import ProblemSchema
    from tumorboard.extensions import csrf

    app.config.setdefault("API_TITLE", "TumorBoard API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "The neuroendocrine tumour board's records for the hospital's systems. "
                "Authenticate with `Authorization: Bearer <token>`; errors are RFC 9457 problem details; "
                "lists are keyset pages with `Link` headers; changes need `If-Match`."
            }
        },
    )
    for name in API_VIEW_MODULES:
        importlib.import_module(f"tumorboard.{name}")
    api = TumorBoardApi()
    api.ERROR_SCHEMA = ProblemSchema
    api.init_app(app)
    api.ma_plugin.converter.add_attribute_function(closed_dict)
    csrf.exempt(bp)  # no cookie authenticates the API (access.py): nothing for a forged form to borrow
    api.register_blueprint(bp)
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(f"{bp.name}."):
            setattr(view, "access_rule", API_TOKEN)  # noqa: B010 (as auth.access marks a view)
    app.register_blueprint(docs)
    app.extensions["tumorboard_api"] = api

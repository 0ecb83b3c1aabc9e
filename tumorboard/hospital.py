"""The hospital's names on pages, letters, agendas, e-mails and calendar entries.

They are the hospital's own (config HOSPITAL_NAME, LETTERHEAD), shown as configured in every language: a
clinic's name is not translated. Left empty (the demo, a first start), the app says what it is in the
reader's language instead of a made-up address: "University Hospital" / "Universitätsklinikum", and a
letterhead that names the centre only. A signed letter freezes what was configured at signing (empty
too), and its language fills an empty one in when it is written (tumorboard.decisions.documents).
"""

from flask import current_app
from flask_babel import lazy_gettext as _l

DEFAULT_NAME = _l("University Hospital")
DEFAULT_LETTERHEAD = (_l("Neuroendocrine Tumour Centre"),)


def configured_name() -> str:
    return (current_app.config.get("HOSPITAL_NAME") or "").strip()


def configured_letterhead() -> list[str]:
    """The letterhead's lines as configured ("|" between them), none when LETTERHEAD is empty."""
    return [line.strip() for line in (current_app.config.get("LETTERHEAD") or "").split("|") if line.strip()]


def hospital_name(configured: str | None = None) -> str:
    """The hospital's name, else the catalogue's in the current language. `configured`: a name frozen
    earlier (a signed letter's), instead of today's configuration."""
    name = configured_name() if configured is None else configured
    return name or str(DEFAULT_NAME)


def letterhead(configured: list[str] | None = None) -> list[str]:
    """The letterhead's lines, else the catalogue's in the current language (see `hospital_name`)."""
    lines = configured_letterhead() if configured is None else configured
    return lines or [str(line) for line in DEFAULT_LETTERHEAD]

"""The words the page scripts write (agenda.js, attendance.js, meeting_mode.js), in one place and in the
catalogue: a page that loads a script renders its texts, in the reader's language, as a JSON data block
(`<script type="application/json" id="script-texts">`, never executed, so the CSP is untouched), and the
script reads them from there. A placeholder is written %(name)s, as in the catalogue; the script fills it.
"""

from flask_babel import lazy_gettext as _l

SCRIPT_TEXTS = {
    "agenda.js": {
        "saving": _l("Saving the order…"),
        "refused": _l("The order could not be saved."),
        "offline": _l("The order could not be saved: check the connection and reload the page."),
    },
    "attendance.js": {
        "no_quorum": _l("No quorum yet."),
        "missing": _l("Missing: %(missing)s."),
        "or": _l("or"),
        "quorum": _l("Quorum reached:"),
        "quorum_detail": _l("every required specialty is present (save to record it)."),
    },
    "meeting_mode.js": {
        "theirs": _l("%(field)s: theirs"),
        "yours": _l("%(field)s: yours"),
        "plan": _l("Plan"),
        "reload": _l("Reload the page to take theirs"),
        "saving": _l("Saving…"),
        "saved": _l("Draft saved %(time)s"),
        "not_saved": _l("Not saved."),
        "offline": _l("Not saved: check the connection."),
        "finishing": _l("Finishing the last autosave…"),
    },
}


def script_texts(script: str) -> dict[str, str]:
    """The texts of one script, in the reader's language (the template renders them with `tojson`)."""
    return {key: str(text) for key, text in SCRIPT_TEXTS[script].items()}

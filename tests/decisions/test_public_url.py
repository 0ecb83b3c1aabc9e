"""The address frozen into a signed decision (its FHIR identifiers) is the configured PUBLIC_URL, or in
development without one the host and port the chair signed on."""

from tumorboard.decisions.documents import snapshot_data


def test_the_snapshot_takes_the_served_address_without_public_url(app, draft, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    with app.test_request_context(base_url="http://127.0.0.1:5123"):
        assert snapshot_data(draft)["hospital"]["public_url"] == "http://127.0.0.1:5123"
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://tumorboard.example-hospital.org/")
    with app.test_request_context(base_url="http://127.0.0.1:5123"):
        assert snapshot_data(draft)["hospital"]["public_url"] == "https://tumorboard.example-hospital.org"

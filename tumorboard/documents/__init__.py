"""The board's documents as pure functions of plain data: the printed page (`pdf`), the agenda, the
decision letter, the FHIR bundle of a decision, and the data they are made of (`decision`). No app, no
database: the same bytes for the same input, built alike by the views, the CLI and the tests."""

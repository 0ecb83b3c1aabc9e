"""The clinical core: grading, staging, imaging scores, coding and vocabularies.

Pure Python, table-driven from the published rules in docs/clinical-reference.md. It imports nothing of
Flask or the database, so every rule can be tested on its own and reused by the CLI, the seed data and
the views.
"""

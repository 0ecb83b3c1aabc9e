"""Patients, NET cases with their findings, and the case lifecycle."""

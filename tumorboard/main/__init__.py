"""The dashboard, and the liveness, readiness and metrics pages."""

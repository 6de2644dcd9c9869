"""Conformance fuzzing of any Target group controller API server against the spec (schemathesis)."""

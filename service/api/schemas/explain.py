"""Schemas of /v1/explain: the six-section assessment card (the client's response types)."""

from matcher_client.models import Card, Section

__all__ = ["Card", "Section"]

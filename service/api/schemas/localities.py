"""Schemas of /v1/localities (and the locality every other answer names): the response type is the client's."""

from matcher_client.models import Locality

__all__ = ["Locality"]

"""Writes on adoption: ingestion, identity mapping, the rule, and the roll-ups they refresh."""

from __future__ import annotations

from onramp.adoption.services.identities import unmatched_map
from onramp.adoption.services.ingest import (
    IngestResult,
    events_ingest,
    usage_headers,
    usage_ingest,
    usage_preview,
)
from onramp.adoption.services.rollup import adoption_refresh
from onramp.adoption.services.rules import rule_for, rule_update

__all__ = [
    "IngestResult",
    "adoption_refresh",
    "events_ingest",
    "rule_for",
    "rule_update",
    "unmatched_map",
    "usage_headers",
    "usage_ingest",
    "usage_preview",
]

"""The only package that writes the milestone store. Functions take `conn` from the caller and
never commit."""

from tower.store.ingest import IngestResult, ingest, settle_parked
from tower.store.milestone import Milestone, Ref, Rejected

__all__ = ["IngestResult", "Milestone", "Ref", "Rejected", "ingest", "settle_parked"]

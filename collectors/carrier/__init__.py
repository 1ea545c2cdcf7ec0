"""Collector for the CARRIER system: `client.py` speaks HTTP, `streams.py` maps its records."""

from collectors.carrier.client import CarrierClient as Client
from collectors.carrier.streams import STREAMS

SOURCE = "carrier"
__all__ = ["Client", "STREAMS", "SOURCE"]

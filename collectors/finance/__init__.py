"""Collector for the FINANCE system: `client.py` speaks HTTP, `streams.py` maps its records."""

from collectors.finance.client import FinanceClient as Client
from collectors.finance.streams import STREAMS

SOURCE = "finance"
__all__ = ["Client", "STREAMS", "SOURCE"]

"""Collector for the ERP system: `client.py` speaks HTTP, `streams.py` maps its records."""

from collectors.erp.client import ErpClient as Client
from collectors.erp.streams import STREAMS

SOURCE = "erp"
__all__ = ["Client", "STREAMS", "SOURCE"]

"""Collector for the WMS system: `client.py` speaks HTTP, `streams.py` maps its records."""

from collectors.wms.client import WmsClient as Client
from collectors.wms.streams import STREAMS

SOURCE = "wms"
__all__ = ["Client", "STREAMS", "SOURCE"]

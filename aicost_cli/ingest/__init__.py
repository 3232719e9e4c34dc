"""Ingestors: load request logs (and later billing exports) into the canonical tables."""

"""Test support: a real `ingestd serve` process, pipeline specs, a slow HTTP API."""

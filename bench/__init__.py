"""Benchmarks: figures written to files, never asserted by tests (see DEVELOPERS.md)."""

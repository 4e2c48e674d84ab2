"""Benchmarks and benchmark data for modu (see benchmarks/README.md)."""

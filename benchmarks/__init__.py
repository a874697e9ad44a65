"""Benchmarks: `make bench` runs bench.py."""

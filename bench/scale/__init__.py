"""Benchmark: doorstep as 1, 2 and 4 worker processes on PostgreSQL (see run.py)."""

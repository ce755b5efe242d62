"""Benchmark: the WhatsApp webhook (see run.py)."""

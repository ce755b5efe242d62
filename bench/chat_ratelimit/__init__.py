"""Benchmark of the chat rate limiter (``bench.chat_ratelimit.run``)."""

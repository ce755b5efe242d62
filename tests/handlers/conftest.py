"""Conversation tests share the story shop and the engine harness (tests/handlers/conversation_kit.py)."""

from tests.handlers.conversation_kit import harness, shop_template

__all__ = ["harness", "shop_template"]

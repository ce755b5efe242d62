"""Engine tests use the story shop and harness of tests/handlers."""

from tests.handlers.conversation_kit import harness, shop_template

__all__ = ["harness", "shop_template"]

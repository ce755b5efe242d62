"""The dialogue engine: from an incoming message to the bot's replies, with state and transcript saved."""

from bot.engine.engine import Engine, EngineResult, LinkVerifier
from bot.engine.errors import ConcurrentUpdateError, EngineError, HandlerSetupError
from bot.engine.hooks import EngineHooks

__all__ = [
    "ConcurrentUpdateError",
    "Engine",
    "EngineError",
    "EngineHooks",
    "EngineResult",
    "HandlerSetupError",
    "LinkVerifier",
]

"""The default set of conversation handlers, one per intent family."""

from __future__ import annotations

from handlers.articles import ArticleHandler
from handlers.compensation import CompensationHandler
from handlers.context import Handler
from handlers.delivery_problem import DeliveryProblemHandler
from handlers.fallback import FallbackHandler
from handlers.human_agent import HumanAgentHandler
from handlers.order_changes import CancelOrderHandler, ChangeOrderHandler
from handlers.order_status import OrderStatusHandler
from handlers.preferences import NotificationPreferencesHandler
from handlers.returns import RefundStatusHandler, ReturnPolicyHandler, ReturnRequestHandler
from handlers.setup_help import SetupHelpHandler
from handlers.smalltalk import GoodbyeHandler, GreetingHandler


def default_handlers() -> list[Handler]:
    """A fresh instance of every handler doorstep ships."""
    return [
        OrderStatusHandler(),
        DeliveryProblemHandler(),
        ReturnRequestHandler(),
        ReturnPolicyHandler(),
        RefundStatusHandler(),
        CancelOrderHandler(),
        ChangeOrderHandler(),
        SetupHelpHandler(),
        HumanAgentHandler(),
        NotificationPreferencesHandler(),
        GreetingHandler(),
        GoodbyeHandler(),
        FallbackHandler(),
        ArticleHandler(),
        CompensationHandler(),
    ]

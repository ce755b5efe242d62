"""Repositories: the only way the layers above touch the database."""

from storage.repositories.conversations import ConversationRepository, TranscriptLine, TranscriptRepository
from storage.repositories.customers import CustomerRepository, IdentityRepository, normalize_phone
from storage.repositories.inbox import InboxRepository
from storage.repositories.orders import OrderDetails, OrderRepository, UpsertResult
from storage.repositories.outbox import DecisionLogRepository, OutboxRepository
from storage.repositories.preferences import PreferenceRepository, VerificationRepository
from storage.repositories.support import CaseRepository, HandoffRepository, ReturnRepository

__all__ = [
    "CaseRepository",
    "ConversationRepository",
    "CustomerRepository",
    "DecisionLogRepository",
    "HandoffRepository",
    "IdentityRepository",
    "InboxRepository",
    "OrderDetails",
    "OrderRepository",
    "OutboxRepository",
    "PreferenceRepository",
    "ReturnRepository",
    "TranscriptLine",
    "TranscriptRepository",
    "UpsertResult",
    "VerificationRepository",
    "normalize_phone",
]

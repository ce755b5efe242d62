"""The order import contract (DESIGN.md "Order import"), validated with pydantic.

One JSON object per line. Provider integrations (e.g. Shopify ``orders/create``) produce
the same :class:`OrderIn` so every order enters storage through one path.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from storage.domain import OrderStatus, ShipmentStatus, normalize_order_number


@lru_cache(maxsize=1024)
def _is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CustomerIn(_Strict):
    """The customer who placed the order."""

    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    timezone: str = Field(default="UTC", max_length=64)
    locale: str = Field(default="en", max_length=16)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not _is_time_zone(value):
            raise ValueError(f"unknown time zone {value!r}")
        return value


class AddressIn(_Strict):
    """Shipping address (only what the bot needs to talk about a delivery)."""

    line1: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    postcode: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)


class ItemIn(_Strict):
    """One order line."""

    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(default="general", max_length=64)
    quantity: int = Field(default=1, ge=1, le=10_000)
    requires_setup: bool = False


class ShipmentIn(_Strict):
    """One parcel of the order."""

    carrier: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(min_length=1, max_length=100)
    tracking_url: str | None = Field(default=None, max_length=500)
    status: ShipmentStatus = ShipmentStatus.PRE_TRANSIT
    eta: date | None = None
    promised_by: date | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    skus: list[str] = Field(default_factory=list)


class OrderIn(_Strict):
    """One line of the import file."""

    order_number: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    placed_at: datetime
    status: OrderStatus = OrderStatus.OPEN
    customer: CustomerIn
    shipping_address: AddressIn | None = None
    items: list[ItemIn] = Field(default_factory=list, max_length=500)
    shipments: list[ShipmentIn] = Field(default_factory=list, max_length=100)
    #: optional: when the shop expects to ship an order that has not shipped yet
    expected_ship_date: date | None = None
    #: optional: refund state for the refund_status answer ("none", "pending", "issued")
    refund_status: str | None = Field(default=None, max_length=32)
    backordered_until: date | None = None

    @field_validator("order_number", mode="before")
    @classmethod
    def _strip_hash(cls, value: object) -> object:
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return normalize_order_number(value)
        return value

    @field_validator("placed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @model_validator(mode="after")
    def _unique_tracking(self) -> OrderIn:
        numbers = [s.tracking_number for s in self.shipments]
        if len(numbers) != len(set(numbers)):
            raise ValueError("two shipments share a tracking number")
        return self

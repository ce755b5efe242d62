"""Builders of realistic test data in the import format."""

from __future__ import annotations

from typing import Any


def order_line(
    number: str = "1001",
    *,
    email: str = "ann@example.com",
    phone: str | None = "+1 555 0100",
    status: str = "open",
    shipment_status: str | None = "in_transit",
    tracking_number: str | None = None,
    eta: str | None = "2026-11-24",
    promised_by: str | None = "2026-11-25",
    placed_at: str = "2026-11-20T14:03:00Z",
    items: list[dict[str, Any]] | None = None,
    timezone: str = "America/New_York",
    **extra: Any,
) -> dict[str, Any]:
    """One order in the DESIGN.md import format."""
    items = items or [
        {
            "sku": "KT-200",
            "name": "Kettle Pro 200",
            "category": "kitchen-appliance",
            "quantity": 1,
            "requires_setup": True,
        }
    ]
    shipments: list[dict[str, Any]] = []
    if shipment_status is not None:
        shipments.append(
            {
                "carrier": "UPS",
                "tracking_number": tracking_number
                or f"1Z999AA1{int(''.join(c for c in number if c.isdigit()) or 0):010d}",
                "tracking_url": f"https://track.example.test/{number}",
                "status": shipment_status,
                "eta": eta,
                "promised_by": promised_by,
                "shipped_at": "2026-11-21T09:00:00Z",
                "delivered_at": "2026-11-22T15:00:00Z" if shipment_status == "delivered" else None,
                "skus": [i["sku"] for i in items],
            }
        )
    line: dict[str, Any] = {
        "order_number": number,
        "placed_at": placed_at,
        "status": status,
        "customer": {"email": email, "name": "Ann Lee", "phone": phone, "timezone": timezone, "locale": "en"},
        "shipping_address": {"city": "Boston", "postcode": "02118", "country": "US"},
        "items": items,
        "shipments": shipments,
    }
    line.update(extra)
    return line

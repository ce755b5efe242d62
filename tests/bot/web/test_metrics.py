"""GET /metrics: request counters and stored counts in Prometheus text format."""

from __future__ import annotations

import json

from tests.bot.conftest import API_TOKEN, ClientFactory, test_settings
from tests.builders import order_line


async def test_metrics_count_requests_and_stored_rows(make_client: ClientFactory, db_url: str) -> None:
    client = await make_client(test_settings(db_url))
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    body = "\n".join(json.dumps(order_line(str(n), email=f"m{n}@example.com")) for n in (1001, 1002))
    assert (await client.post("/api/orders", data=body, headers=headers)).status == 200
    assert (await client.post("/api/orders", data="x", headers={})).status == 401
    resp = await client.get("/metrics")
    text = await resp.text()
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    assert 'doorstep_http_requests_total{method="POST",route="/api/orders",status="200"} 1' in text
    assert 'doorstep_http_requests_total{method="POST",route="/api/orders",status="401"} 1' in text
    assert 'doorstep_orders{state="all"} 2' in text
    assert "ann@example.com" not in text

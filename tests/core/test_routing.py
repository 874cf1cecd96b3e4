"""The `Location` of a new resource: one helper, built from the API's prefix."""

from __future__ import annotations

from app.core.routing import API_PREFIX, location


def test_location_joins_parts_under_the_api_prefix() -> None:
    assert location("plans", 7) == f"{API_PREFIX}/plans/7"
    assert location("villages", "84010101", "committee-members", 3) == (
        f"{API_PREFIX}/villages/84010101/committee-members/3"
    )
    assert location("/webhook-subscriptions", "ab12") == f"{API_PREFIX}/webhook-subscriptions/ab12"

"""The first thing a newcomer sees: all 77 provinces, behind an API key."""

import httpx


async def test_provinces_lists_all_77(client: httpx.AsyncClient) -> None:
    codes: list[str] = []
    cursor = None
    while True:
        params = {"limit": 30, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/provinces", params=params)
        assert response.status_code == 200
        body = response.json()
        codes += [p["code"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(codes) == 77 == len(set(codes))
    assert codes == sorted(codes)


async def test_api_needs_a_key(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/api/v1/provinces")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"

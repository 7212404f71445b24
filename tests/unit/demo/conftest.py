"""An in-process client for the demo shop's ASGI application.

httpx (and so Starlette's TestClient) is not a dependency; this drives the app
through the ASGI interface directly, on an event loop in a background thread,
so tests stay synchronous and can also send requests from several threads.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from horde.demo import DemoConfig, create_app
from horde.demo._shop import Shop


@dataclass(frozen=True)
class Reply:
    """A response the application sent."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ShopClient:
    """Runs the app's lifespan on a private loop and sends it requests."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.shop: Shop = app.state.shop
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._to_app: asyncio.Queue[dict[str, Any]] | None = None
        self._from_app: asyncio.Queue[dict[str, Any]] | None = None
        self._lifespan: asyncio.Task[None] | None = None
        self.run(self._startup())

    def run(self, coroutine: Awaitable[Any], timeout: float = 10) -> Any:
        """Run a coroutine on the client's loop and return its result."""

        async def wrapper() -> Any:
            return await coroutine

        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(timeout)

    def request(
        self,
        method: str,
        path: str,
        json_body: object = None,
        headers: dict[str, str] | None = None,
        raw_body: bytes | None = None,
    ) -> Reply:
        """Send one request and return the response."""
        body = raw_body if raw_body is not None else b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
        return self.run(self._request(method, path, body, headers or {}))

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(
        self, path: str, json_body: object = None, headers: dict[str, str] | None = None
    ) -> Reply:
        return self.request("POST", path, json_body, headers)

    def login(self, email: str = "user1@example.com") -> dict[str, str]:
        """Log in and return the Authorization header to send."""
        reply = self.post("/api/auth/login", {"email": email, "password": "secret"})
        assert reply.status == 200, reply
        return {"Authorization": f"Bearer {reply.json()['token']}"}

    def close(self) -> None:
        self.run(self._shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()

    async def _startup(self) -> None:
        self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._lifespan = asyncio.create_task(self.app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._from_app.get()
        assert message["type"] == "lifespan.startup.complete", message

    async def _shutdown(self) -> None:
        assert self._to_app is not None
        assert self._from_app is not None
        await self._to_app.put({"type": "lifespan.shutdown"})
        message = await self._from_app.get()
        assert message["type"] == "lifespan.shutdown.complete", message
        await self._lifespan  # type: ignore[misc]

    async def _request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Reply:
        route, _, query = path.partition("?")
        raw_headers = [(b"host", b"shop.test"), (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": route,
            "raw_path": route.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("shop.test", 80),
            "state": {},
        }
        received = False

        async def receive() -> dict[str, Any]:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never disconnects
            raise AssertionError("unreachable")

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
        return Reply(start["status"], response_headers, b"".join(chunks))


ClientFactory = Callable[..., ShopClient]


@pytest.fixture
def open_shop(tmp_path: Path) -> Iterator[ClientFactory]:
    """Open a shop: ``open_shop(profile="healthy", config=None)``; closed after the test."""
    clients: list[ShopClient] = []

    def open_(profile: str = "healthy", config: DemoConfig | None = None) -> ShopClient:
        client = ShopClient(create_app(profile, config, data_dir=tmp_path))
        clients.append(client)
        return client

    yield open_
    for client in clients:
        client.close()


@pytest.fixture
def shop(open_shop: ClientFactory) -> ShopClient:
    """The healthy shop, running."""
    return open_shop()

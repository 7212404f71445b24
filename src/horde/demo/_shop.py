"""The demo shop's HTTP endpoints, as a Starlette application.

Endpoints (JSON in and out unless noted; errors are ``{"error": "..."}``):

=======================================  =========================================================
``POST /api/auth/login``                 ``{email, password}`` → 200 ``{token, user_id}``; 401 if
                                         the user is not seeded or the password is not ``secret``
``GET /api/products?page=&limit=``       a page of the catalogue (limit 1-100, default 20)
``GET /api/products/{id}``               one product; 404 outside 1-1000
``GET /api/cart``                        Bearer; the cart
``POST /api/cart/items``                 Bearer; ``{product_id, quantity}`` → 201 with the cart
``POST /api/orders``                     Bearer; → 201 with the order (the cart is emptied);
                                         409 if the cart is empty
``GET /api/v1/data/export?format=&page=&limit=``
                                         ``X-API-Key: horde-demo-key``; products with every field
                                         (250 a page by default, up to 1000), JSON or CSV; 401
                                         without the header, 403 with a wrong key
``GET /admin/dashboard``                 aggregates over all orders
``POST /admin/reports/generate``         ``{type: sales|inventory|customers, format: json|csv}``
                                         → 201 with the report
``GET /api/mobile/feed?since=DATE``      products updated since an ISO date or datetime, and
                                         the products trending since then
``GET /health``                          ``{"status": "ok", "profile": ...}``; bypasses every
                                         profile's mechanism except a loop that is blocked
=======================================  =========================================================

Bearer tokens come from the login and live in the server's memory. Every other
response goes through :meth:`Shop.respond`, where the ``cpu`` and ``slow-query``
profiles hook in; the ``pool`` profile lives in the database layer, and the
``stall`` profile in a background task.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeGuard

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from horde.demo import _store as store
from horde.demo._config import DemoConfig, check_profile
from horde.demo._database import Database, PoolTimeoutError
from horde.demo._mechanisms import ActivityLog, ActivityRow, Staller, spend_cpu
from horde.demo._seed import PRODUCT_COUNT, create_database

__all__ = ["API_KEY", "Shop", "create_app"]

#: The key ``GET /api/v1/data/export`` accepts in its ``X-API-Key`` header.
API_KEY = "horde-demo-key"
_MAX_SESSIONS = 100_000


class HTTPProblem(Exception):
    """A request the shop refuses, with the status and message to answer it with."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class Shop:
    """The state behind the endpoints: the database, the sessions and the profile's mechanism.

    Args:
        profile: One of ``PROFILES``.
        config: The knobs.
        data_dir: Where the per-process database directory goes (default: the
            system's temporary directory).
        clock: Returns the current time.
    """

    def __init__(
        self,
        profile: str,
        config: DemoConfig,
        data_dir: Path | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.profile = check_profile(profile)
        self.config = config
        self.staller: Staller | None = None
        self.activity: ActivityLog | None = None
        self._data_dir = data_dir
        self._clock = clock
        self._cpu_budget_s = config.cpu_cost_ms / 1000 if profile == "cpu" else 0.0
        self._sessions: dict[str, int] = {}
        self._database: Database | None = None
        self._directory: Path | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def database(self) -> Database:
        """The open database (only between startup and shutdown)."""
        if self._database is None:
            raise RuntimeError("the shop is not running: start the application's lifespan")
        return self._database

    async def open(self) -> None:
        """Create and seed a fresh database, then start the profile's background task."""
        self._directory = Path(tempfile.mkdtemp(prefix="horde-demo-", dir=self._data_dir))
        path = self._directory / "shop.sqlite3"
        await asyncio.to_thread(create_database, path, self._clock())
        pooled = self.profile == "pool"
        config = self.config
        self._database = Database(
            path,
            connections=config.pool_connections if pooled else config.db_connections,
            acquire_timeout_s=(
                config.pool_acquire_timeout_s if pooled else config.db_acquire_timeout_s
            ),
            hold_s=config.pool_hold_ms / 1000 if pooled else 0.0,
        )
        if self.profile == "stall":
            self.staller = Staller(config.stall_period_s, config.stall_duration_s)
            self._tasks.append(asyncio.create_task(self.staller.run()))
        if self.profile == "slow-query":
            self.activity = ActivityLog(
                self._append_activity, config.activity_rows_per_request, clock=self._clock
            )
            self._tasks.append(asyncio.create_task(self.activity.run()))

    async def close(self) -> None:
        """Stop the background tasks, close the database and delete its directory."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._database is not None:
            await self._database.close()
            self._database = None
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    async def _append_activity(self, rows: list[ActivityRow]) -> None:
        await self.database.write(store.append_activity, rows)

    # -- responses -------------------------------------------------------------

    def respond(
        self,
        request: Request,
        content: object,
        status: int = 200,
        headers: dict[str, str] | None = None,
        media_type: str = "application/json",
    ) -> Response:
        """Render a response, paying the profile's per-response costs.

        ``content`` is sent as JSON, unless it is already ``str`` (sent as is).
        """
        if isinstance(content, str):
            body = content.encode()
        else:
            body = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode()
        headers = dict(headers or {})
        if self._cpu_budget_s:
            # On the event loop on purpose: one core's worth of server, and every
            # request queues behind the ones being rendered.
            headers["ETag"] = f'"{spend_cpu(self._cpu_budget_s, body)}"'
        if self.activity is not None:
            self.activity.record(request.url.path, request.path_params.get("product_id"))
        return Response(body, status, headers, media_type=media_type)

    async def on_problem(self, request: Request, error: Exception) -> Response:
        """Answer an :class:`HTTPProblem`, a routing error or an exhausted pool."""
        if isinstance(error, HTTPProblem):
            status, message, headers = error.status, error.message, error.headers
        elif isinstance(error, PoolTimeoutError):
            status, message, headers = 503, str(error), {"Retry-After": "1"}
        elif isinstance(error, HTTPException):
            status, message, headers = error.status_code, error.detail, dict(error.headers or {})
        else:  # pragma: no cover - only registered for the three types above
            raise error
        return self.respond(request, {"error": message}, status, headers)

    # -- endpoints -------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        """``GET /health``."""
        body = json.dumps({"status": "ok", "profile": self.profile}).encode()
        return Response(body, media_type="application/json")

    async def login(self, request: Request) -> Response:
        """``POST /api/auth/login``."""
        body = await _json_object(request)
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not isinstance(password, str):
            raise HTTPProblem(400, "send a JSON object with string fields email and password")
        user = await self.database.read(store.find_user, email)
        if user is None or not hmac.compare_digest(user[1], store.password_hash(email, password)):
            raise HTTPProblem(401, "wrong email or password")
        token = secrets.token_urlsafe(24)
        if len(self._sessions) >= _MAX_SESSIONS:
            del self._sessions[next(iter(self._sessions))]  # forget the oldest session
        self._sessions[token] = user[0]
        return self.respond(request, {"token": token, "user_id": user[0]})

    async def products(self, request: Request) -> Response:
        """``GET /api/products?page=&limit=``."""
        page = _int_query(request, "page", default=1, low=1, high=1_000_000)
        limit = _int_query(request, "limit", default=20, low=1, high=100)
        return self.respond(request, await self.database.read(store.list_products, page, limit))

    async def product(self, request: Request) -> Response:
        """``GET /api/products/{product_id}``."""
        product_id: int = request.path_params["product_id"]
        product = await self.database.read(store.get_product, product_id)
        if product is None:
            raise HTTPProblem(404, f"no product {product_id}: ids run from 1 to {PRODUCT_COUNT}")
        return self.respond(request, product)

    async def cart(self, request: Request) -> Response:
        """``GET /api/cart``."""
        user_id = self._user_id(request)
        return self.respond(request, await self.database.read(store.get_cart, user_id))

    async def add_to_cart(self, request: Request) -> Response:
        """``POST /api/cart/items``."""
        user_id = self._user_id(request)
        body = await _json_object(request)
        product_id, quantity = body.get("product_id"), body.get("quantity", 1)
        if not (_is_int(product_id) and _is_int(quantity) and 1 <= quantity <= 100):
            raise HTTPProblem(400, "send {product_id: integer, quantity: integer from 1 to 100}")
        cart = await self.database.write(store.add_cart_item, user_id, product_id, quantity)
        if cart is None:
            raise HTTPProblem(404, f"no product {product_id}: ids run from 1 to {PRODUCT_COUNT}")
        return self.respond(request, cart, 201)

    async def place_order(self, request: Request) -> Response:
        """``POST /api/orders``."""
        user_id = self._user_id(request)
        order = await self.database.write(store.place_order, user_id, self._clock())
        if order is None:
            raise HTTPProblem(409, "the cart is empty: add items with POST /api/cart/items")
        return self.respond(request, order, 201)

    async def export(self, request: Request) -> Response:
        """``GET /api/v1/data/export?format=json|csv&page=&limit=``."""
        key = request.headers.get("x-api-key")
        if key is None:
            raise HTTPProblem(401, "send your API key in the X-API-Key header")
        if not hmac.compare_digest(key.encode(), API_KEY.encode()):
            raise HTTPProblem(403, "this API key is not valid")
        export_format = request.query_params.get("format", "json")
        if export_format not in store.REPORT_FORMATS:
            raise HTTPProblem(400, "format must be json or csv")
        page = _int_query(request, "page", default=1, low=1, high=1_000_000)
        limit = _int_query(request, "limit", default=250, low=1, high=PRODUCT_COUNT)
        products = await self.database.read(store.export_products, page, limit)
        if export_format == "csv":
            return self.respond(request, store.to_csv(products), media_type="text/csv")
        generated_at = store.format_time(self._clock())
        content = {
            "generated_at": generated_at,
            "page": page,
            "limit": limit,
            "count": len(products),
            "products": products,
        }
        return self.respond(request, content)

    async def dashboard(self, request: Request) -> Response:
        """``GET /admin/dashboard``."""
        return self.respond(request, await self.database.read(store.dashboard, self._clock()))

    async def generate_report(self, request: Request) -> Response:
        """``POST /admin/reports/generate``."""
        body = await _json_object(request)
        report_type, report_format = body.get("type"), body.get("format", "json")
        if report_type not in store.REPORT_TYPES or report_format not in store.REPORT_FORMATS:
            raise HTTPProblem(
                400,
                f"type must be one of {', '.join(store.REPORT_TYPES)} and format one of "
                f"{', '.join(store.REPORT_FORMATS)}",
            )
        report = await self.database.write(
            store.generate_report, report_type, report_format, self._clock()
        )
        return self.respond(request, report, 201)

    async def feed(self, request: Request) -> Response:
        """``GET /api/mobile/feed?since=DATE``."""
        text = request.query_params.get("since")
        try:
            since = datetime.fromisoformat(text or "")
        except ValueError:
            raise HTTPProblem(
                400, "since must be an ISO date or datetime, such as 2025-01-31"
            ) from None
        return self.respond(request, await self.database.read(store.feed, store.format_time(since)))

    def _user_id(self, request: Request) -> int:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user_id = self._sessions.get(token.strip()) if scheme.lower() == "bearer" else None
        if user_id is None:
            raise HTTPProblem(
                401,
                "send Authorization: Bearer <token>, with a token from POST /api/auth/login",
                {"WWW-Authenticate": "Bearer"},
            )
        return user_id


def create_app(
    profile: str = "healthy", config: DemoConfig | None = None, *, data_dir: Path | None = None
) -> Starlette:
    """Build the demo shop as an ASGI application.

    The database is created and seeded when the application's lifespan starts
    (ASGI servers and test clients do that) and deleted when it ends. The
    :class:`Shop` is at ``app.state.shop``.

    Example:
        >>> app = create_app("pool", DemoConfig(pool_connections=1))
        >>> app.state.shop.profile
        'pool'

    Args:
        profile: One of ``PROFILES``.
        config: The knobs (default: :class:`DemoConfig` ()).
        data_dir: Where the database's temporary directory goes.

    Raises:
        ValueError: ``profile`` is not a profile; the message lists them.
    """
    shop = Shop(profile, config or DemoConfig(), data_dir)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await shop.open()
        try:
            yield
        finally:
            await shop.close()

    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = dict.fromkeys(
        (HTTPProblem, PoolTimeoutError, HTTPException), shop.on_problem
    )
    app = Starlette(routes=_routes(shop), exception_handlers=handlers, lifespan=lifespan)
    app.state.shop = shop
    return app


def _routes(shop: Shop) -> list[Route]:
    def get(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> Route:
        return Route(path, endpoint, methods=["GET"])

    def post(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> Route:
        return Route(path, endpoint, methods=["POST"])

    return [
        get("/health", shop.health),
        post("/api/auth/login", shop.login),
        get("/api/products", shop.products),
        get("/api/products/{product_id:int}", shop.product),
        get("/api/cart", shop.cart),
        post("/api/cart/items", shop.add_to_cart),
        post("/api/orders", shop.place_order),
        get("/api/v1/data/export", shop.export),
        get("/admin/dashboard", shop.dashboard),
        post("/admin/reports/generate", shop.generate_report),
        get("/api/mobile/feed", shop.feed),
    ]


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise HTTPProblem(400, "the request body must be a JSON object")
    return body


def _int_query(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise HTTPProblem(400, f"{name} must be an integer from {low} to {high}, got {text!r}")
    return value


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)

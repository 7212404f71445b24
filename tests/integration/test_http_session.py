"""HttpSession against a real loopback server: methods, arguments, naming, recording."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from tests.servers.harness import FakeUser, Recorder, run_async, run_sync
from tests.servers.http_target import TargetServer, serve_target, url_of

from horde.exceptions import StopUser, UsageError
from horde.http import (
    HTTPError,
    HttpSession,
    InvalidHeader,
    InvalidSchema,
    InvalidURL,
    MissingSchema,
    ReadTimeout,
    ResponseContextManager,
    ResponseTooLarge,
    TooManyRedirects,
)
from horde.runtime import LOOP_TURNS

EVENT_KEYS = {
    "request_type",
    "response_time",
    "name",
    "context",
    "response",
    "exception",
    "start_time",
    "url",
    "response_length",
}


@pytest.fixture(scope="module")
def target() -> Iterator[TargetServer]:
    with serve_target() as server:
        yield server


@pytest.fixture
def base(target: TargetServer) -> str:
    return url_of(target)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def session(base: str, recorder: Recorder) -> HttpSession:
    return HttpSession(base, recorder.hook, FakeUser({"user_id": 7}))


def call(session, fn):
    return run_sync(fn, session)


def test_a_request_is_recorded_once_with_locust_arguments(session, recorder, base):
    before = time.time()
    response = call(session, lambda: session.get("/ultra_fast", context={"extra": 1}))
    assert isinstance(response, ResponseContextManager)
    assert response.status_code == 200
    assert response.text == "This is an ultra fast response"
    (sunk,) = recorder.sunk
    assert sunk[:2] == ("GET", "/ultra_fast")
    assert sunk[3:] == (30, None)
    event = recorder.only()
    assert set(event) == EVENT_KEYS
    assert event["request_type"] == "GET"
    assert event["name"] == "/ultra_fast"
    assert event["context"] == {"user_id": 7, "extra": 1}
    assert event["response"] is response
    assert event["exception"] is None
    assert before <= event["start_time"] <= time.time()
    assert event["url"] == f"{base}/ultra_fast"
    assert event["response_length"] == 30
    assert isinstance(event["response_time"], float)
    assert 0 < event["response_time"] == sunk[2] < 5000
    assert response.elapsed.total_seconds() * 1000 <= event["response_time"] + 1


def test_without_listeners_only_the_sink_is_called(base):
    recorder = Recorder(listener=False)
    session = HttpSession(base, recorder.hook)
    call(session, lambda: session.get("/"))
    assert recorder.names == ["/"]


def test_without_a_user_the_context_is_the_argument(base, recorder):
    session = HttpSession(base, recorder.hook)
    context = {"k": "v"}
    call(session, lambda: session.get("/", context=context))
    assert recorder.only()["context"] == {"k": "v"}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("get", "GET"),
        ("post", "POST"),
        ("put", "PUT"),
        ("patch", "PATCH"),
        ("delete", "DELETE"),
        ("options", "OPTIONS"),
    ],
)
def test_every_method(session, recorder, method, expected):
    response = call(session, lambda: getattr(session, method)("/echo"))
    assert response.json()["method"] == expected
    assert recorder.sunk[0][:2] == (expected, "/echo")


def test_head_has_no_body_and_keeps_the_connection(session, recorder, target):
    before = target.connections

    def task():
        head = session.head("/ultra_fast")
        after = session.get("/ultra_fast")
        return head, after

    head, after = call(session, task)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == "30"
    assert after.text == "This is an ultra fast response"
    assert recorder.sunk[0][3] == 0
    assert target.connections - before == 1


def test_the_method_is_recorded_as_given_and_sent_upper_case(session, recorder):
    response = call(session, lambda: session.request("get", "/echo"))
    assert response.json()["method"] == "GET"
    assert recorder.sunk[0][0] == "get"


@pytest.mark.parametrize("method", ["", "GET /x HTTP/1.1\r\nX:", "GE T"])
def test_a_method_that_is_no_token_is_a_task_error_never_sent(session, recorder, method):
    with pytest.raises(ValueError, match="Invalid HTTP method"):
        call(session, lambda: session.request(method, "/echo"))
    assert recorder.sunk == []


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({}, "/echo?a=1"),
        ({"params": {"b": "2"}}, "/echo?a=1&b=2"),
        ({"name": "explicit"}, "explicit"),
        ({"name": ""}, "/echo?a=1"),
    ],
)
def test_names(session, recorder, kwargs, name):
    call(session, lambda: session.get("/echo?a=1", **kwargs))
    assert recorder.names == [name]


def test_request_name_and_rename_request(session, recorder):
    def task():
        with session.rename_request("/item/[id]"):
            session.get("/echo?id=1")
            session.get("/echo?id=2", name="own")
        session.get("/echo?id=3")
        session.request_name = "attribute"
        session.get("/echo?id=4")

    call(session, task)
    assert recorder.names == ["/item/[id]", "own", "/echo?id=3", "attribute"]


def test_an_absolute_url_is_named_by_its_path(session, recorder, base):
    call(session, lambda: session.get(f"{base}/echo?x=1"))
    assert recorder.names == ["/echo?x=1"]


def test_base_url_is_concatenated_not_joined(base, recorder):
    session = HttpSession(f"{base}/ech", recorder.hook)
    response = call(session, lambda: session.get("o"))
    assert response.json()["path"] == "/echo"
    assert recorder.names == ["/echo"]


def test_a_server_error_fails_with_the_name_as_url(session, recorder):
    response = call(session, lambda: session.get("/fail"))
    assert response.status_code == 500
    assert response.text == "This response failed"
    (exception,) = recorder.exceptions
    assert repr(exception) == "HTTPError('500 Server Error: Internal Server Error for url: /fail')"
    call(session, lambda: session.get("/fail", name="custom"))
    assert str(recorder.exceptions[1]) == "500 Server Error: Internal Server Error for url: custom"
    with pytest.raises(HTTPError, match=r"for url: http://127\.0\.0\.1:\d+/fail"):
        response.raise_for_status()


@pytest.mark.parametrize(("code", "failed"), [(200, False), (204, False), (404, True), (599, True)])
def test_status_decides_success(session, recorder, code, failed):
    response = call(session, lambda: session.get(f"/status/{code}"))
    assert response.status_code == code
    assert (recorder.exceptions[0] is not None) == failed


def test_a_3xx_without_following_is_a_success(session, recorder):
    response = call(session, lambda: session.get("/redirect?url=/fast", allow_redirects=False))
    assert response.status_code == 302
    assert response.headers["location"] == "/fast"
    assert recorder.exceptions == [None]


def test_query_params_forms(session):
    def task():
        return [
            session.get("/echo", params={"a": "1", "b": ["x", "y"]}).json()["path"],
            session.get("/echo", params=[("a", "1"), ("a", "2")]).json()["path"],
            session.get("/echo", params="raw=yes").json()["path"],
            session.get("/echo?q=1", params={"page": 2}).json()["path"],
        ]

    assert call(session, task) == [
        "/echo?a=1&b=x&b=y",
        "/echo?a=1&a=2",
        "/echo?raw=yes",
        "/echo?q=1&page=2",
    ]


def test_bodies(session):
    def task():
        form = session.post("/echo", data={"a": "1", "b": "x y"}).json()
        raw = session.put("/echo", data="raw text").json()
        binary = session.patch("/echo", data=b"\x00\x01").json()
        document = session.post("/echo", json={"a": [1, 2]}).json()
        empty = session.post("/echo").json()
        return form, raw, binary, document, empty

    form, raw, binary, document, empty = call(session, task)
    assert form["body"] == "a=1&b=x+y"
    assert form["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert form["headers"]["Content-Length"] == "9"
    assert raw["body"] == "raw text"
    assert "Content-Type" not in raw["headers"]
    assert binary["body"] == "\x00\x01"
    assert document["body"] == '{"a": [1, 2]}'
    assert document["headers"]["Content-Type"] == "application/json"
    assert empty["headers"]["Content-Length"] == "0"


def test_files(session):
    response = call(
        session,
        lambda: session.post(
            "/echo", data={"field": "v"}, files={"f": ("name.txt", b"file data", "text/plain")}
        ),
    )
    echoed = response.json()
    assert echoed["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert 'name="field"\r\n\r\nv\r\n' in echoed["body"]
    assert (
        'name="f"; filename="name.txt"\r\nContent-Type: text/plain\r\n\r\nfile data'
        in (echoed["body"])
    )


def test_default_and_session_headers(session):
    session.headers.update({"Authorization": "Bearer token"})

    def task():
        first = session.get("/echo").json()["headers"]
        second = session.get(
            "/echo", headers={"X-One": "1", "authorization": None, "Accept": "text/html"}
        ).json()["headers"]
        return first, second

    first, second = call(session, task)
    assert first["User-Agent"].startswith("horde/")
    assert first["Accept-Encoding"] in ("gzip, deflate", "gzip, deflate, br")
    assert first["Accept"] == "*/*"
    assert first["Authorization"] == "Bearer token"
    assert first["Host"] == session.base_url.split("://")[1]
    assert second["X-One"] == "1"
    assert "Authorization" not in second
    assert second["Accept"] == "text/html"


def test_basic_auth(session, recorder, base):
    def task():
        return [
            session.get("/basic_auth", auth=("user", "pass")).status_code,
            session.get("/basic_auth").status_code,
        ]

    assert call(session, task) == [200, 401]
    assert recorder.exceptions[0] is None
    assert "401 Client Error" in str(recorder.exceptions[1])
    host = base.split("://")[1]
    with_credentials = HttpSession(f"http://user:pass@{host}", recorder.hook)
    assert with_credentials.base_url == base
    assert with_credentials.auth == ("user", "pass")
    assert call(with_credentials, lambda: with_credentials.get("/basic_auth")).status_code == 200
    session.auth = ("user", "pass")
    assert call(session, lambda: session.get("/basic_auth")).status_code == 200


def test_an_auth_callable_edits_the_headers(session):
    def sign(request):
        request.headers["X-Signature"] = f"{request.method} {request.path_url}"
        return request

    response = call(session, lambda: session.get("/echo?a=1", auth=sign))
    assert response.json()["headers"]["X-Signature"] == "GET /echo?a=1"


def test_redirects_keep_the_first_name_and_method(session, recorder, base):
    def task():
        return session.post("/redirect?url=/echo&code=303", data="body")

    response = call(session, task)
    echoed = response.json()
    assert echoed["method"] == "GET"
    assert echoed["body"] == ""
    assert "Content-Type" not in echoed["headers"]
    assert [r.status_code for r in response.history] == [303]
    assert response.url == f"{base}/echo"
    assert recorder.sunk[0][:2] == ("POST", "/redirect?url=/echo&code=303")
    assert recorder.only()["url"] == f"{base}/echo"


@pytest.mark.parametrize(
    ("code", "method", "kept"),
    [(301, "POST", False), (302, "PUT", False), (307, "POST", True), (308, "PATCH", True)],
)
def test_redirect_method_rules(session, code, method, kept):
    response = call(
        session, lambda: session.request(method, f"/redirect?url=/echo&code={code}", data="x")
    )
    echoed = response.json()
    assert echoed["method"] == (method if kept else "GET")
    assert echoed["body"] == ("x" if kept else "")


def test_redirect_chain_and_history(session, recorder):
    response = call(session, lambda: session.get("/redirect_chain?n=3"))
    assert response.text == "This is an ultra fast response"
    assert [r.status_code for r in response.history] == [302, 302, 302]
    assert response.history[0].request.path_url == "/redirect_chain?n=3"
    assert recorder.names == ["/redirect_chain?n=3"]
    assert recorder.sunk[0][3] == 30


def test_too_many_redirects_is_a_recorded_failure(session, recorder):
    response = call(session, lambda: session.get("/redirect_loop"))
    assert response.status_code == 0
    assert response.content is None
    assert isinstance(response.error, TooManyRedirects)
    assert [repr(e) for e in recorder.exceptions] == ["TooManyRedirects('Exceeded 30 redirects.')"]


def test_authorization_is_dropped_when_a_redirect_leaves_the_host(session, target):
    port = target.server_address[1]
    other_host = f"http://localhost:{port}/echo"
    response = call(
        session,
        lambda: session.get(f"/redirect?url={other_host}", headers={"Authorization": "secret"}),
    )
    assert response.json()["headers"].get("Authorization") is None
    same_host = call(
        session, lambda: session.get("/redirect?url=/echo", headers={"Authorization": "secret"})
    )
    assert same_host.json()["headers"]["Authorization"] == "secret"


def test_cookies_persist_across_requests(session):
    def task():
        set_response = session.get("/set_cookie?sid=abc&theme=dark")
        read = session.get("/get_cookie?name=sid").text
        return set_response, read

    set_response, read = call(session, task)
    assert read == "abc"
    assert session.cookies.get_dict() == {"sid": "abc", "theme": "dark"}
    assert set_response.cookies.get_dict() == {"sid": "abc", "theme": "dark"}


def test_cookies_set_by_hand_and_per_request(session):
    session.cookies.set("token", "t1")

    def task():
        return [
            session.get("/get_cookie?name=token").text,
            session.get("/get_cookie?name=once", cookies={"once": "1"}).text,
            session.get("/get_cookie?name=once").text,
        ]

    assert call(session, task) == ["t1", "1", ""]
    session.cookies = {"replaced": "yes"}
    assert call(session, lambda: session.get("/get_cookie?name=replaced").text) == "yes"


@pytest.mark.parametrize("path", ["/gzip", "/deflate"])
def test_compressed_bodies_are_decoded(session, recorder, path):
    response = call(session, lambda: session.get(path))
    assert response.text == "This is an ultra fast response" * 10
    assert recorder.sunk[0][3] == 300


def test_chunked_and_read_to_close_bodies(session):
    def task():
        return session.get("/chunked").text, session.get("/no_content_length").text

    assert call(session, task) == ("chunk one,chunk two,chunk three", "body without length")


def test_text_charset(session):
    def task():
        return [session.get(f"/text?charset={c}").text for c in ("utf-8", "latin-1", "")]

    assert call(session, task) == ["caf\u00e9 na\u00efve"] * 3


def test_json_response(session):
    assert call(session, lambda: session.get("/json").json()) == {
        "name": "horde",
        "items": [1, 2, 3],
    }


def test_keep_alive_uses_one_connection(session, target):
    before = target.connections

    def task():
        for _ in range(50):
            assert session.get("/fast").status_code == 200

    call(session, task)
    assert target.connections - before == 1
    assert session.pool.idle_count() == 0  # closed by call()


def test_connection_close_is_honoured(session, target):
    before = target.connections

    def task():
        return [session.get("/close").text, session.get("/close").text, session.get("/").text]

    assert call(session, task)[:2] == ["closing", "closing"]
    assert target.connections - before == 3


def test_the_pool_forgets_connections_once_they_are_gone(session, target):
    def task():
        for _ in range(20):
            assert session.get("/close").text == "closing"
        return len(session.pool._open)

    # Each request connected afresh; those the server closed since are not kept around
    # (thousands of sessions each holding every connection they ever made would leak).
    assert call(session, task) <= 2


def test_a_large_body_within_the_limit(session, recorder):
    response = call(session, lambda: session.get("/huge?size=3000000"))
    assert len(response.content) == 3_000_000
    assert recorder.sunk[0][3] == 3_000_000


def test_a_body_over_the_limit_fails_and_the_session_goes_on(base, recorder):
    session = HttpSession(base, recorder.hook, max_body_size=1000)

    def task():
        return session.get("/huge?size=5000"), session.get("/ultra_fast")

    too_large, after = call(session, task)
    assert too_large.status_code == 0
    assert isinstance(too_large.error, ResponseTooLarge)
    assert isinstance(recorder.exceptions[0], ResponseTooLarge)
    assert after.status_code == 200
    assert recorder.exceptions[1] is None


def test_timeouts(session, recorder):
    def task():
        return [
            session.get("/slow?delay=0.5", timeout=0.05),
            session.get("/slow?delay=0.05", timeout=(1, 2)),
        ]

    timed_out, in_time = call(session, task)
    assert timed_out.status_code == 0
    assert isinstance(timed_out.error, ReadTimeout)
    assert repr(recorder.exceptions[0]).startswith(
        "ReadTimeout(\"HTTPConnectionPool(host='127.0.0.1', port="
    )
    assert repr(recorder.exceptions[0]).endswith('Read timed out. (read timeout=0.05)")')
    assert in_time.status_code == 200


def test_a_request_its_stopped_user_left_waiting_is_cancelled_not_recorded(session, recorder):
    """A greenlet or task of a user's own still waiting when the user stops (and abandons
    its session) is cancelled: no server failure is made up. A close by user code is
    the user's own doing: what it cuts fails."""

    async def main():
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, session.abandon)
        waiting = asyncio.ensure_future(session.aget("/slow?delay=0.5", name="abandoned"))
        with pytest.raises(asyncio.CancelledError):
            await waiting
        loop.call_later(0.1, session.close)
        closed = await session.aget("/slow?delay=0.5", name="closed")
        return closed, await session.aget("/")  # the session reconnects

    closed, last = run_async(main, session)
    assert closed.status_code == 0
    assert last.status_code == 200
    assert recorder.names == ["closed", "/"]
    assert recorder.exceptions[1] is None


def test_a_session_timeout(base, recorder):
    session = HttpSession(base, recorder.hook, timeout=0.05)
    response = call(session, lambda: session.get("/slow?delay=0.5"))
    assert isinstance(response.error, ReadTimeout)


def test_response_hooks(session):
    seen = []
    session.hooks["response"].append(lambda response, *args, **kwargs: seen.append("session"))
    response = call(
        session, lambda: session.get("/", hooks={"response": lambda r: seen.append(r.status_code)})
    )
    assert response.status_code == 200
    assert seen == ["session", 200]


def test_an_http_proxy_gets_the_absolute_url(session, base):
    response = call(
        session, lambda: session.get("http://example.invalid/echo?x=1", proxies={"http": base})
    )
    echoed = response.json()
    assert echoed["path"] == "http://example.invalid/echo?x=1"
    assert echoed["headers"]["Host"] == "example.invalid"


def test_environment_proxies_only_with_trust_env(base, recorder, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", base)
    monkeypatch.setenv("NO_PROXY", "")
    session = HttpSession(base, recorder.hook)
    session.trust_env = True
    assert call(session, lambda: session.get("http://example.invalid/echo").json()["path"]) == (
        "http://example.invalid/echo"
    )
    untrusting = HttpSession(base, recorder.hook)
    untrusting.trust_env = False
    assert call(untrusting, lambda: untrusting.get("/echo").json()["path"]) == "/echo"


def test_the_request_object(session, base):
    response = call(session, lambda: session.post("/echo?a=1", data="payload", name="n"))
    request = response.request
    assert request.method == "POST"
    assert request.url == f"{base}/echo?a=1"
    assert request.path_url == "/echo?a=1"
    assert request.body == b"payload"
    assert request.headers["User-Agent"].startswith("horde/")


@pytest.mark.parametrize(
    ("base_url", "url", "error"),
    [
        (None, "/x", MissingSchema),
        ("", "/x", MissingSchema),
        ("ftp://h", "/x", InvalidSchema),
        ("http://", "/x", InvalidURL),
    ],
)
def test_unusable_urls_raise_into_the_task_unrecorded(recorder, base_url, url, error):
    session = HttpSession(base_url, recorder.hook)
    with pytest.raises(error):
        call(session, lambda: session.get(url))
    assert recorder.sunk == []


def test_a_blocking_call_outside_user_code_explains_itself(session):
    async def main():
        return session.get("/")

    with pytest.raises(UsageError, match=r"await client\.aget"):
        run_async(main, session)


def test_async_twins_record_the_same_way(session, recorder, base):
    async def main():
        responses = [
            await session.aget("/echo"),
            await session.apost("/echo", json={"a": 1}),
            await session.aput("/echo", data="x"),
            await session.apatch("/echo", data="y"),
            await session.adelete("/echo"),
            await session.aoptions("/echo"),
            await session.ahead("/echo"),
            await session.arequest("get", "/fail", name="fail"),
        ]
        async with session.arest("GET", "/json") as rest_response:
            assert rest_response.js["name"] == "horde"
        with await session.aget("/status/404", catch_response=True) as caught:
            caught.success()
        return responses

    responses = run_async(main, session)
    assert [r.status_code for r in responses] == [200] * 7 + [500]
    assert [entry[0] for entry in recorder.sunk] == [
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "HEAD",
        "get",
        "GET",
        "GET",
    ]
    assert recorder.names[-3:] == ["fail", "/json", "/status/404"]
    assert recorder.exceptions[-3] is not None
    assert recorder.exceptions[-1] is None
    assert len(recorder.events) == 10
    assert recorder.events[0]["url"] == f"{base}/echo"


def test_a_listener_may_stop_the_user(session):
    def stop(**kwargs):
        raise StopUser

    session.request_event.add_listener(stop)
    with pytest.raises(StopUser):
        call(session, lambda: session.get("/"))


@pytest.mark.parametrize(("hops", "ok"), [(30, True), (31, False)])
def test_thirty_redirects_are_followed_not_more(session, hops, ok):
    response = call(session, lambda: session.get(f"/redirect_chain?n={hops}"))
    assert (response.status_code == 200) is ok


def test_a_response_advances_the_loop_turns_an_async_task_loop_relies_on(session):
    # A task loop skips its bare yield after a task during which the count moved: every
    # response must move it, since it arrives in a loop callback, never inside the task.
    async def main():
        before = LOOP_TURNS.count
        response = await session.aget("/fast")
        return response, LOOP_TURNS.count - before

    response, advanced = run_async(main, session)
    assert response.status_code == 200
    assert advanced >= 1


def test_concurrent_requests_of_one_async_user(session, recorder, target):
    before = target.connections

    async def main():
        first = await asyncio.gather(*(session.aget(f"/slow?delay=0.05&n={i}") for i in range(5)))
        second = [await session.aget("/fast") for _ in range(5)]
        return first + second

    responses = run_async(main, session)
    assert [r.status_code for r in responses] == [200] * 10
    assert len(recorder.sunk) == 10
    assert target.connections - before == 5


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "\u20ac"])
def test_a_header_that_cannot_be_sent_fails_the_request(session, recorder, value):
    response = call(session, lambda: session.get("/echo", headers={"X-Bad": value}))
    assert response.status_code == 0
    assert isinstance(response.error, InvalidHeader)
    assert recorder.exceptions == [response.error]
    assert recorder.sunk[0][:2] == ("GET", "/echo")

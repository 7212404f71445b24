"""A pytest-style locustfile, as Locust runs them: no user class, ``test_*`` functions
taking the ``session`` and ``fastsession`` fixtures, each run as a user of its own."""

import time

from locust.clients import HttpSession  # for type hints, as Locust's example does


def test_browse(session: HttpSession):
    session.get("/health").raise_for_status()
    with session.get("/api/products/1", catch_response=True) as response:
        if response.json()["id"] != 1:
            response.failure("wrong product")
    session.get("/api/products/999999").raise_for_status()  # 404: this call ends here
    session.get("/never-reached")


def test_fast(fastsession):
    fastsession.get("/api/products/2", name="/api/products/[id]")
    time.sleep(0.1)


def helper(session):  # not named test*: no user
    session.get("/never-called")


def test_asserting(session):  # ends its user: run again at once, it would fail again
    response = session.get("/api/products/999999", name="asserted")
    assert response.status_code == 200, "no such product"

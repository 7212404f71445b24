import http.cookiejar

import pytest

from horde.http import CookieJar
from horde.http._cookies import cookie_header, extract_cookies


def test_dict_interface():
    jar = CookieJar()
    assert jar.is_empty()
    jar["a"] = "1"
    jar.set("b", "2", domain="example.com", path="/x")
    assert not jar.is_empty()
    assert jar["a"] == "1"
    assert jar.get("b") == "2"
    assert jar.get("b", domain="other") is None
    assert jar.get("zzz", "dflt") == "dflt"
    assert "a" in jar
    assert "zzz" not in jar
    assert sorted(jar.keys()) == ["a", "b"]
    assert sorted(jar.values()) == ["1", "2"]
    assert sorted(jar.items()) == [("a", "1"), ("b", "2")]
    assert jar.get_dict(domain="example.com") == {"b": "2"}
    del jar["a"]
    assert "a" not in jar
    jar.set("b", None)
    assert jar.is_empty()
    with pytest.raises(KeyError):
        jar["b"]


def test_update_and_copy():
    jar = CookieJar()
    jar.update({"a": "1"})
    other = CookieJar()
    other.update(jar)
    copy = other.copy()
    copy["b"] = "2"
    assert other.get_dict() == {"a": "1"}
    assert copy.get_dict() == {"a": "1", "b": "2"}


def test_create_cookie_rejects_unknown_fields():
    with pytest.raises(TypeError, match="unexpected"):
        CookieJar().set("a", "1", colour="red")


def test_a_cookie_in_the_jar_is_sent_to_the_host_that_set_it_only():
    jar = CookieJar()
    extract_cookies(jar, [(b"Set-Cookie", b"sid=abc; Path=/"), (b"X", b"y")], "http://h.test/login")
    assert jar.get("sid") == "abc"
    assert cookie_header(jar, "http://h.test/cart") == "sid=abc"
    assert cookie_header(jar, "http://other.test/") is None


def test_cookies_set_by_hand_go_everywhere():
    jar = CookieJar()
    jar.set("token", "t")
    assert cookie_header(jar, "http://127.0.0.1:8080/x") == "token=t"


def test_stdlib_cookies_are_accepted():
    jar = CookieJar()
    plain = http.cookiejar.CookieJar()
    jar.set("x", "1")
    plain.set_cookie(next(iter(jar)))
    fresh = CookieJar()
    fresh.update(plain)
    assert fresh.get_dict() == {"x": "1"}
    assert http.cookiejar.Cookie in type(next(iter(fresh))).__mro__

import horde.http


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_and_complete():
    exported = horde.http.__all__
    assert exported == sorted(exported, key=_isort_key)
    public = {
        name
        for name in vars(horde.http)
        if not name.startswith("_") and name not in {"annotations"}
    }
    submodules = {name for name in public if type(getattr(horde.http, name)).__name__ == "module"}
    assert set(exported) == public - submodules


def test_exported_names():
    assert horde.http.__all__ == [
        "DEFAULT_MAX_BODY_SIZE",
        "DEFAULT_TIMEOUT",
        "VALID_STATUS_CODES",
        "CaseInsensitiveDict",
        "ChunkedEncodingError",
        "ConnectTimeout",
        "ConnectionError",
        "ConnectionPool",
        "ContentDecodingError",
        "CookieJar",
        "FastHttpSession",
        "FastResponse",
        "FastResponseContextManager",
        "HTTPError",
        "HttpSession",
        "InvalidHeader",
        "InvalidResponse",
        "InvalidSchema",
        "InvalidURL",
        "JSONDecodeError",
        "LocustBadStatusCode",
        "MissingSchema",
        "PreparedRequest",
        "ProxyError",
        "ReadTimeout",
        "RequestException",
        "Response",
        "ResponseContextManager",
        "ResponseTooLarge",
        "RestResponseContextManager",
        "SSLError",
        "Timeout",
        "TooManyRedirects",
        "arest",
        "fire_request_listeners",
        "rest",
        "rest_",
    ]

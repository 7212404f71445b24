"""User mistakes: one clear error line, Locust's exit code, no traceback."""

import pytest

GOOD = """
from locust import User, task

class Quiet(User):
    @task
    def t(self):
        pass
"""

HEADLESS = ["-f", "lf.py", "--headless"]
ZERO_WEIGHT = GOOD.replace("class Quiet(User):", "class Quiet(User):\n    weight = 0")
BAD_SHAPE = (
    GOOD + "from locust import LoadTestShape\n"
    "class S(LoadTestShape):\n"
    "    def __init__(self):\n"
    "        raise ValueError('no shape today')\n"
)
BAD_PERCENTILES = "import locust.stats\nlocust.stats.PERCENTILES_TO_REPORT = [95]\n" + GOOD
UNKNOWN_CLASS = '{"user_class_name": "Nope"}'
HTTP = """
from locust import HttpUser, task

class Web(HttpUser):
    @task
    def t(self):
        self.client.get("/")
"""
HTTP_BARE_HOST = HTTP.replace("class Web(HttpUser):", "class Web(HttpUser):\n    host = 'h:80'")
HTTP_BAD_HOST = HTTP.replace(
    "class Web(HttpUser):", "class Web(HttpUser):\n    host = 'http://[::1'"
)


@pytest.mark.parametrize(
    ("files", "args", "code", "message"),
    [
        (
            {},
            ["-f", "nofile.py", "--headless"],
            1,
            "Could not find 'nofile.py'. Ensure your locustfile ends with '.py'",
        ),
        (
            {},
            ["-f", "http://127.0.0.1:9/lf.py", "--headless"],
            1,
            "Cannot use the locustfile URL 'http://127.0.0.1:9/lf.py': download it",
        ),
        (
            {},
            ["-f", "-", "--worker"],
            1,
            "-f - (a worker fetching the locustfile from its master) is not available",
        ),
        (
            {"lf.py": "def broken(:\n"},
            ["-f", "lf.py", "--headless"],
            1,
            "Syntax error in locustfile 'lf.py', line 1",
        ),
        (
            {"lf.py": "import nope_not_here.sub\n"},
            ["-f", "lf.py", "--headless"],
            1,
            "No module named 'nope_not_here' (line 1: import nope_not_here.sub). Install it "
            "where horde runs: ",
        ),
        (
            {"lf.py": "import gevent.subprocess\n"},
            ["-f", "lf.py", "--headless"],
            1,
            "Of gevent, horde runs Greenlet, spawn, spawn_later, joinall, wait, iwait, kill",
        ),
        (
            {"lf.py": "from locust.contrib.mqtt import MqttUser\n"},
            ["-f", "lf.py", "--headless"],
            1,
            "horde does not provide this part of Locust's API",
        ),
        (
            {"lf.py": GOOD.replace("class Quiet(User):", 'class Quiet(User):\n    weight = "3"')},
            ["-f", "lf.py", "--headless"],
            1,
            "Quiet.weight must be a number of 0 or more, not '3'",
        ),
        (
            {"lf.py": GOOD},
            [*HEADLESS, "--config-users", '{"user_class_name": "Quiet", "fixed_count": 1.5}'],
            2,
            "--config-users: Quiet.fixed_count must be a whole number of 0 or more, not 1.5",
        ),
        (
            {"lf.py": GOOD},
            [*HEADLESS, "--config-users", '{"user_class_name": "Quiet", "weight": 0}'],
            2,
            "--config-users: no user class is left with a weight or fixed_count above 0",
        ),
        (
            {"lf.py": GOOD},
            ["-f", "lf.py", "--headless", "-u", "abc"],
            2,
            "argument -u/--users: invalid int value: 'abc'",
        ),
        ({"lf.py": "x = 1\n"}, ["-f", "lf.py", "--headless"], 1, "No User class found!"),
        (
            {"lf.py": GOOD},
            ["-f", "lf.py", "--headless", "NoSuchUser"],
            1,
            "Unknown User(s): NoSuchUser",
        ),
        (
            {"lf.py": GOOD},
            ["-f", "lf.py", "--headless", "-t", "1.5"],
            2,
            "Invalid time span format",
        ),
        (
            {"lf.py": GOOD},
            ["-f", "lf.py", "--headless", "-r", "0"],
            2,
            "argument -r/--spawn-rate: must be > 0",
        ),
        (
            {"lf.py": GOOD},
            ["-f", "lf.py", "--headless", "--csv-full-history"],
            2,
            "'--csv-full-history' requires '--csv'.",
        ),
        (
            {"lf.py": GOOD},
            ["-f", "lf.py", "--headless", "--tags", "nothing"],
            1,
            "leave no task to run in Quiet",
        ),
        (
            {"lf.py": GOOD},
            ["-f", "lf.py", "--headless", "--print-stat", "--bogus"],
            2,
            "unrecognized arguments: --bogus",
        ),
        (
            {"lf.py": GOOD, "locust.conf": "bogus-key = 1\n"},
            ["-f", "lf.py", "--headless"],
            2,
            "unrecognized arguments: --bogus-key=1",
        ),
        ({"lf.py": GOOD}, ["-f", "lf.py"], 2, "add --headless"),
        (
            {"lf.py": GOOD},
            ["-f", "lf.py", "--headless", "--autoquit", "5"],
            1,
            "--autoquit is only meaningful in combination with --autostart",
        ),
        ({"lf.py": GOOD}, ["-f", "lf.py", "--headless", "-u", "-3"], 2, "-u/--users: must be 0"),
        ({"lf.py": ZERO_WEIGHT}, ["-f", "lf.py", "--headless"], 1, "no users with weight > 0"),
        ({"lf.py": BAD_SHAPE}, ["-f", "lf.py", "--headless"], 1, "Error creating the shape S"),
        ({"lf.py": GOOD}, [*HEADLESS, "--json-file", "/proc/nope/x"], 1, "--json-file /proc/nope"),
        (
            {"lf.py": GOOD},
            [*HEADLESS, "--html", "/proc/nope/r.html"],
            1,
            "--html /proc/nope/r.html",
        ),
        ({"lf.py": GOOD}, [*HEADLESS, "--config-users", "{bad"], 2, "--config-users '{bad'"),
        ({"lf.py": GOOD}, [*HEADLESS, "--config-users", UNKNOWN_CLASS], 255, "class 'Nope'"),
        ({"lf.py": BAD_PERCENTILES}, [*HEADLESS, "-t", "1"], 1, "0 < percentile < 1"),
        ({"lf.py": GOOD}, [*HEADLESS, "-H", "http://[::1"], 2, "not a valid URL: Invalid IPv6"),
        ({"lf.py": GOOD}, [*HEADLESS, "-H", "http://h:abc"], 2, "'http://h:abc' is not a valid"),
        ({"lf.py": GOOD}, [*HEADLESS, "-H", "https://:8080"], 2, "names no host"),
        (
            {"lf.py": HTTP},
            [*HEADLESS, "-t", "1s", "-H", "127.0.0.1:8080"],
            2,
            "--host '127.0.0.1:8080' is not a URL Web can request (an HTTP user): "
            "write http://127.0.0.1:8080 or https://127.0.0.1:8080",
        ),
        (
            {"lf.py": HTTP},
            [*HEADLESS, "-t", "1s", "-H", "ftp://127.0.0.1:8080"],
            2,
            "(an HTTP user): its scheme must be http:// or https://, not ftp://",
        ),
        (
            {"lf.py": HTTP_BARE_HOST},
            [*HEADLESS, "-t", "1s"],
            1,
            "Web.host 'h:80' is not a URL Web can",
        ),
        (
            {"lf.py": HTTP_BAD_HOST},
            [*HEADLESS, "-t", "1s"],
            1,
            "Web.host 'http://[::1' is not a valid URL",
        ),
    ],
)
def test_user_mistakes(horde, tmp_path, files, args, code, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = horde(*args)
    assert result.code == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_version(horde):
    result = horde("-V")
    assert result.code == 0
    assert result.stdout.startswith("horde ")
    assert "(Python 3." in result.stdout


def test_a_bare_host_is_left_to_users_that_are_no_http_users(horde, tmp_path):
    """``-H host:port`` may address a user's own client (a database, a raw socket)."""
    (tmp_path / "lf.py").write_text(GOOD)
    result = horde(*HEADLESS, "-H", "127.0.0.1:5432", "-u", "1", "-t", "1s")
    assert result.code == 0, result.stderr

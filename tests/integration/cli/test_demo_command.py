"""``horde demo``: a step load against a fresh demo shop, ending with the report's name."""

from __future__ import annotations

import html
import re

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]


def test_demo_runs_a_step_load_and_names_a_report_that_tells_the_story(horde, tmp_path):
    result = horde(
        "demo",
        "--profile",
        "healthy",
        "-u",
        "30",
        "--step-users",
        "10",
        "--step-time",
        "4s",
        timeout=80,
    )
    assert result.code == 0, result.stderr
    assert "Demo shop (healthy profile) listening on http://127.0.0.1:" in result.stderr
    assert "Step load: 3 steps of 10 users, 4 s each (12 s in all)" in result.stderr
    report = tmp_path / "horde-demo-healthy.html"
    assert result.stderr.rstrip().endswith(f"The report is in {report}")
    story = re.search(r"How the system held up\n(.+)\n", result.stderr)
    assert story is not None, result.stderr
    assert html.escape(story.group(1), quote=False) in report.read_text()


def test_demo_rejects_an_unknown_profile(horde):
    result = horde("demo", "--profile", "nope")
    assert result.code == 2
    assert "invalid choice: 'nope'" in result.stderr

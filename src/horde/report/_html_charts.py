"""The HTML report's charts: plotly.js figure specs built from the summary's series."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from horde.report._html_format import _endpoints, _number, _text

_ENDPOINT_CHART_LIMIT = 20
"""The per-endpoint chart shows the busiest endpoints only, so its legend stays legible."""

_COLORS = {"users": "#6e40c9", "rps": "#0969da", "failures": "#cf222e", "saturation": "#9a6700"}
_LATENCY_COLORS = {"p50": "#1a7f37", "p95": "#bf8700", "p99": "#cf222e"}


def _charts(summary: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The figure specs (plotly.js JSON) and the section holding their ``<div>`` elements."""
    series = summary.get("series") or {}
    aggregate = [sample for sample in series.get("aggregate") or [] if isinstance(sample, Mapping)]
    if not aggregate:
        note = (
            '<p class="note">No per-second samples were recorded, so there is nothing to plot.</p>'
        )
        return [], f'<section id="charts"><h2>Over time</h2>{note}</section>'
    origin = _origin(summary, aggregate)
    candidates = [
        _users_figure(aggregate, origin),
        _throughput_figure(aggregate, origin),
        _latency_figure(aggregate, origin),
        _endpoint_figure(summary, series.get("endpoints") or {}, origin),
    ]
    over_time = [figure for figure in candidates if figure is not None]
    body = f'<section id="charts"><h2>Over time</h2>{_chart_divs(over_time)}</section>'
    capacity = _capacity_figure(summary, aggregate)
    if capacity is None:
        return over_time, body
    body += (
        f'<section id="capacity"><h2>Latency against load</h2>{_chart_divs([capacity])}</section>'
    )
    return [*over_time, capacity], body


def _chart_divs(figures: Sequence[Mapping[str, Any]]) -> str:
    return "".join(f'<div class="chart" id="{figure["id"]}"></div>' for figure in figures)


def _origin(summary: Mapping[str, Any], aggregate: Sequence[Mapping[str, Any]]) -> float:
    """The run's start as a timestamp: elapsed seconds on the charts count from it."""
    starts = [step["start"] for step in summary.get("steps") or [] if "start" in step]
    # A sample closes its second, so the run began about one second before the first one.
    return float(min([*starts, aggregate[0]["timestamp"] - 1.0]))


def _elapsed(samples: Sequence[Mapping[str, Any]], origin: float) -> list[float]:
    return [round(sample["timestamp"] - origin, 1) for sample in samples]


def _layout(title: str, y_title: str, x_title: str = "Elapsed time (s)") -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "height": 340,
        "margin": {"l": 60, "r": 30, "t": 50, "b": 80},
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.22, "yanchor": "top"},
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "xaxis": {"title": {"text": x_title}, "zeroline": False},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
    }


def _line(
    name: str, x: Sequence[Any], y: Sequence[Any], color: str | None = None
) -> dict[str, Any]:
    trace: dict[str, Any] = {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": y}
    if color is not None:
        trace["line"] = {"color": color}
    return trace


def _users_figure(aggregate: Sequence[Mapping[str, Any]], origin: float) -> dict[str, Any]:
    x = _elapsed(aggregate, origin)
    users = [sample.get("user_count") for sample in aggregate]
    trace = _line("Users", x, users, _COLORS["users"]) | {
        "line": {"color": _COLORS["users"], "shape": "hv"}
    }
    return {"id": "chart-users", "data": [trace], "layout": _layout("Users", "users")}


def _throughput_figure(aggregate: Sequence[Mapping[str, Any]], origin: float) -> dict[str, Any]:
    x = _elapsed(aggregate, origin)
    data = [
        _line("Requests/s", x, [sample.get("rps") for sample in aggregate], _COLORS["rps"]),
        _line(
            "Failures/s",
            x,
            [sample.get("fail_per_sec") for sample in aggregate],
            _COLORS["failures"],
        ),
    ]
    return {
        "id": "chart-throughput",
        "data": data,
        "layout": _layout("Requests and failures per second", "per second"),
    }


def _latency_figure(aggregate: Sequence[Mapping[str, Any]], origin: float) -> dict[str, Any]:
    x = _elapsed(aggregate, origin)
    data = [
        _line(key, x, [sample.get(key) for sample in aggregate], color)
        for key, color in _LATENCY_COLORS.items()
    ]
    layout = _layout("Response times: p50, p95, p99", "milliseconds")
    return {"id": "chart-latency", "data": data, "layout": layout}


def _endpoint_figure(
    summary: Mapping[str, Any], per_endpoint: Mapping[str, Any], origin: float
) -> dict[str, Any] | None:
    busiest = sorted(_endpoints(summary), key=lambda entry: -int(entry.get("requests") or 0))[
        :_ENDPOINT_CHART_LIMIT
    ]
    labels = [f"{entry.get('method', '')} {entry.get('name', '')}" for entry in busiest]
    data = [
        # Plotly reads a few HTML tags in trace names; entities keep a name plain text.
        _line(_text(label), _elapsed(samples, origin), [sample.get("p95") for sample in samples])
        for label in labels
        if (samples := per_endpoint.get(label))
    ]
    if not data:
        return None
    title = "p95 response time per endpoint"
    if len(per_endpoint) > _ENDPOINT_CHART_LIMIT:
        title += f" (the {_ENDPOINT_CHART_LIMIT} busiest of {len(per_endpoint)})"
    layout = _layout(title, "milliseconds") | {"hovermode": "closest"}
    layout["legend"] = {"orientation": "v", "font": {"size": 11}}
    return {"id": "chart-endpoints", "data": data, "layout": layout}


def _load_levels(
    summary: Mapping[str, Any], aggregate: Sequence[Mapping[str, Any]]
) -> list[tuple[float, list[Mapping[str, Any]]]]:
    """The samples grouped by load level: each step's plateau, or else each user count."""
    steps = [step for step in summary.get("steps") or [] if {"users", "start", "end"} <= set(step)]
    if steps:
        return [
            (
                float(step["users"]),
                [s for s in aggregate if _within(s["timestamp"], step["start"], step["end"])],
            )
            for step in steps
        ]
    levels: dict[float, list[Mapping[str, Any]]] = {}
    for sample in aggregate:
        levels.setdefault(float(sample.get("user_count") or 0), []).append(sample)
    return sorted(levels.items())


def _within(timestamp: float, start: float, end: float) -> bool:
    # A sample closes its second: it belongs to the step that holds most of that second.
    return start + 0.5 < timestamp <= end + 0.5


def _median(samples: Sequence[Mapping[str, Any]], key: str) -> float | None:
    values = [sample[key] for sample in samples if isinstance(sample.get(key), int | float)]
    return statistics.median(values) if values else None


def _capacity_figure(
    summary: Mapping[str, Any], aggregate: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    levels = [(users, samples) for users, samples in _load_levels(summary, aggregate) if samples]
    if len(levels) < 2:
        return None
    users = [level for level, _ in levels]
    data = [
        _line(f"{key} (median per second)", users, [_median(s, key) for _, s in levels], color)
        | {"mode": "lines+markers"}
        for key, color in (("p50", _LATENCY_COLORS["p50"]), ("p95", _LATENCY_COLORS["p95"]))
    ]
    throughput = _line("Requests/s", users, [_median(s, "rps") for _, s in levels], _COLORS["rps"])
    data.append(
        throughput
        | {"mode": "lines+markers", "yaxis": "y2", "line": {"color": _COLORS["rps"], "dash": "dot"}}
    )
    analysis = summary.get("analysis")
    unit = _load_unit(analysis)
    layout = _layout(f"Response time and throughput against {unit}", "milliseconds", unit)
    layout["yaxis2"] = {
        "title": {"text": "requests/s"},
        "overlaying": "y",
        "side": "right",
        "rangemode": "tozero",
    }
    layout["margin"]["r"] = 70
    _mark_saturation(layout, analysis, unit)
    return {"id": "chart-capacity", "data": data, "layout": layout}


def _load_unit(analysis: Any) -> str:
    """What the load levels count: users, or iterations/s for a stepped arrival rate."""
    unit = analysis.get("load_unit") if isinstance(analysis, Mapping) else None
    return unit if isinstance(unit, str) and unit else "users"


def _mark_saturation(layout: dict[str, Any], analysis: Any, unit: str) -> None:
    saturation = analysis.get("saturation") if isinstance(analysis, Mapping) else None
    if not isinstance(saturation, Mapping) or not isinstance(saturation.get("users"), int | float):
        return
    users = saturation["users"]
    layout["shapes"] = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": users,
            "x1": users,
            "y0": 0,
            "y1": 1,
            "line": {"color": _COLORS["saturation"], "width": 2, "dash": "dash"},
        }
    ]
    label = f"saturation: {_number(users)} {unit}, {_number(saturation.get('rps'), 1)} req/s"
    layout["annotations"] = [
        {
            "x": users,
            "xref": "x",
            "y": 1,
            "yref": "paper",
            "text": label,
            "showarrow": False,
            "xanchor": "left",
            "yanchor": "top",
            "font": {"color": _COLORS["saturation"]},
            "bgcolor": "rgba(255,255,255,0.8)",
        }
    ]

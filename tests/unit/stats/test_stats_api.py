import horde.stats


def isort_style(name):
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete():
    names = horde.stats.__all__
    assert names == sorted(names, key=isort_style)
    assert all(hasattr(horde.stats, name) for name in names)
    public = {n for n in vars(horde.stats) if not n.startswith("_")}
    assert public == set(names)


def test_locusts_constants():
    assert horde.stats.PERCENTILES_TO_REPORT == [
        0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0,
    ]  # fmt: skip
    assert horde.stats.PERCENTILES_TO_STATISTICS == [0.95, 0.99]
    assert horde.stats.PERCENTILES_TO_CHART == [0.5, 0.95]
    assert horde.stats.CONSOLE_STATS_INTERVAL_SEC == 2
    assert horde.stats.HISTORY_STATS_INTERVAL_SEC == 5
    assert horde.stats.CSV_STATS_INTERVAL_SEC == 1
    assert horde.stats.CSV_STATS_FLUSH_INTERVAL_SEC == 5
    assert horde.stats.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW == 10
    assert (horde.stats.STATS_NAME_WIDTH, horde.stats.STATS_TYPE_WIDTH) == (80, 8)

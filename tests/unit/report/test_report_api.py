import horde.report


def isort_style(name):
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete():
    names = horde.report.__all__
    assert names == sorted(names, key=isort_style)
    assert all(hasattr(horde.report, name) for name in names)
    public = {n for n in vars(horde.report) if not n.startswith("_")}
    assert public == set(names)

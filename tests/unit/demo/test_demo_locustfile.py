"""The bundled locustfile: its shape, read from the source, and importable once horde is."""

from __future__ import annotations

import ast
import importlib.util

import pytest

import horde
from horde.demo import LOCUSTFILE

LOCUST_NAMES = {"HttpUser", "between", "constant", "tag", "task"}


@pytest.fixture(scope="module")
def tree() -> ast.Module:
    return ast.parse(LOCUSTFILE.read_text(), str(LOCUSTFILE))


def _classes(tree):
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _class_attribute(node, name):
    for statement in node.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in statement.targets
        ):
            return ast.literal_eval(statement.value) if name != "wait_time" else statement.value
    return None


def _decorators(function):
    found = {}
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name):
            found[decorator.func.id] = [ast.literal_eval(arg) for arg in decorator.args]
    return found


def test_it_imports_only_names_locust_also_has(tree):
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
    horde_imports = [node for node in imports if node.module == "horde"]
    assert len(horde_imports) == 1
    assert {alias.name for alias in horde_imports[0].names} <= LOCUST_NAMES
    assert {node.module for node in imports} <= {"__future__", "horde", "datetime"}


def test_user_classes_and_weights(tree):
    classes = _classes(tree)
    assert set(classes) == {"ShopBrowser", "ApiConsumer", "ShopAdmin", "MobileUser"}
    weights = {name: _class_attribute(node, "weight") for name, node in classes.items()}
    assert weights == {"ShopBrowser": 3, "ApiConsumer": 1, "MobileUser": 6, "ShopAdmin": None}
    assert _class_attribute(classes["ShopAdmin"], "fixed_count") == 1
    for node in classes.values():
        assert ast.unparse(_class_attribute(node, "wait_time")) == "between(1, 5)"


def test_browser_tasks_weights_and_tags(tree):
    browser = _classes(tree)["ShopBrowser"]
    tasks = {
        node.name: _decorators(node)
        for node in browser.body
        if isinstance(node, ast.FunctionDef) and "task" in _decorators(node)
    }
    assert tasks == {
        "browse": {"tag": ["browse"], "task": [5]},
        "detail": {"tag": ["browse"], "task": [3]},
        "add_to_cart": {"tag": ["purchase"], "task": [1]},
        "checkout": {"tag": ["purchase"], "task": [1]},
    }


def test_request_names_are_stable(tree):
    source = LOCUSTFILE.read_text()
    for name in (
        'name="/api/products/[id]"',
        'name="/api/products?page=[page]&limit=20"',
        'name="/api/mobile/feed?since=[date]"',
    ):
        assert name in source
    # Every request whose path is built at run time carries a fixed name.
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"get", "post"}
        and node.args
    ]
    assert calls
    for call in calls:
        if isinstance(call.args[0], ast.JoinedStr):
            assert any(keyword.arg == "name" for keyword in call.keywords), ast.unparse(call)


def test_it_imports_as_a_horde_locustfile():
    if not hasattr(horde, "HttpUser"):
        pytest.skip("horde does not export the user API yet")
    spec = importlib.util.spec_from_file_location("demo_locustfile", LOCUSTFILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("ShopBrowser", "ApiConsumer", "ShopAdmin", "MobileUser"):
        assert issubclass(getattr(module, name), horde.HttpUser)
    assert (module.ShopBrowser.weight, module.ApiConsumer.weight, module.MobileUser.weight) == (
        3,
        1,
        6,
    )
    assert module.ShopAdmin.fixed_count == 1

"""Imports flow one way (DESIGN.md): shop ← catalog ← inventory ← (search, orders, traceability) ← producers ← storefront.

Every import counts, including those inside functions (a function-level import is still a
dependency; it only hides the cycle). Apps on the same level never import each other. The root
URL conf and schema in shop/ assemble all the apps and are the only exceptions.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEVEL = {"shop": 0, "catalog": 1, "inventory": 2, "search": 3, "orders": 3, "traceability": 3, "producers": 4,
         "storefront": 5}
ASSEMBLERS = {"shop/urls.py", "shop/schema.py"}


def imported_apps(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update((name.split(".")[0], node.lineno) for name in names if name.split(".")[0] in LEVEL)
    return found


def violations(app: str, root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / app).rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative in ASSEMBLERS:
            continue
        for other, line in sorted(imported_apps(path)):
            if other != app and LEVEL[other] >= LEVEL[app]:
                out.append(f"{relative}:{line} imports {other}")
    return out


@pytest.mark.parametrize("app", sorted(LEVEL))
def test_no_app_imports_one_to_its_right(app):
    assert violations(app) == []


def test_the_check_sees_function_level_imports(tmp_path):
    """The rule itself can fail: a function-level upward import is caught, a downward one is not."""
    module = tmp_path / "catalog" / "sneaky.py"
    module.parent.mkdir()
    module.write_text("import shop.models\n\ndef f():\n    from orders import checkout\n    return checkout\n", "utf-8")
    assert violations("catalog", tmp_path) == ["catalog/sneaky.py:4 imports orders"]

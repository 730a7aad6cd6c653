"""A missing optional package is a MissingExtraError that names the extra to install.

Each optional package is hidden (``sys.modules[name] = None`` makes its
import fail as if it were not installed) and the module that needs it is
imported afresh or called; the error must be typed and say what to run.
Importing ``reimbursement`` itself needs none of them (see
``test_architecture.py``).
"""

from __future__ import annotations

import ast
import importlib
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import reimbursement
from reimbursement import ReimbursementDesk, sql_desk
from reimbursement.__main__ import main
from reimbursement._extras import missing
from reimbursement.errors import MissingExtraError, ReimbursementError

SRC = Path(reimbursement.__file__).parent
OPTIONAL = {
    "pandas",
    "numpy",
    "matplotlib",
    "holidays",
    "sqlalchemy",
    "psycopg",
    "pytest",
    "cryptography",
    "rfc8785",
    "pyhanko",
    "starlette",
    "webauthn",
}


def _hide(monkeypatch: pytest.MonkeyPatch, package: str, *fresh: str) -> None:
    """Make ``package`` look uninstalled, and forget the ``fresh`` modules so they import again."""
    for name in [m for m in sys.modules if m.startswith(f"{package}.")] + [package]:
        monkeypatch.setitem(sys.modules, name, None)
    for module in fresh:
        for name in [m for m in sys.modules if m == module or m.startswith(f"{module}.")]:
            monkeypatch.delitem(sys.modules, name)
        parent, _, child = module.rpartition(".")
        monkeypatch.delattr(sys.modules[parent], child, raising=False)


def _timelines_frame() -> object:
    from reimbursement.analytics.export import timelines_frame

    return timelines_frame([])


def _plot() -> object:
    from reimbursement.analytics import process_kpis
    from reimbursement.analytics.plots import plot_stage_durations

    return plot_stage_durations(process_kpis([]))


def _numpy_engine() -> object:
    from reimbursement.analytics._engine import _NumpyEngine

    return _NumpyEngine()


def _country_holidays() -> object:
    from reimbursement.sla import BusinessCalendar, weekly

    return BusinessCalendar.with_country_holidays("Europe/Berlin", weekly("09:00-17:00"), "DE")


def _sql_adapter() -> object:
    return importlib.import_module("reimbursement.adapters.sql")


def _postgres_engine() -> object:
    from reimbursement.adapters.sql import make_engine

    return make_engine("postgresql+psycopg://claims@db.example/claims")


def _signing_adapter() -> object:
    return importlib.import_module("reimbursement.adapters.signing")


def _pdf_adapter() -> object:
    return importlib.import_module("reimbursement.adapters.pdf")


def _passkeys_adapter() -> object:
    return importlib.import_module("reimbursement.adapters.passkeys")


def _web_portal() -> object:
    return importlib.import_module("reimbursement.web")


def _canonical_submission() -> object:
    from reimbursement.audit.canonical import submission_bytes
    from reimbursement.testing import draft

    return submission_bytes(draft("c-1"))


CASES: list[tuple[str, str, Callable[[], object], tuple[str, ...]]] = [
    ("pandas", "analytics", _timelines_frame, ()),
    ("matplotlib", "analytics", _plot, ()),
    ("numpy", "analytics", _numpy_engine, ()),
    ("holidays", "holidays", _country_holidays, ()),
    ("sqlalchemy", "sql", _sql_adapter, ("reimbursement.adapters.sql",)),
    ("psycopg", "sql", _postgres_engine, ()),
    ("cryptography", "audit", _signing_adapter, ("reimbursement.adapters.signing",)),
    ("pyhanko", "pdf", _pdf_adapter, ("reimbursement.adapters.pdf",)),
    ("rfc8785", "audit", _canonical_submission, ()),
    ("starlette", "web", _web_portal, ("reimbursement.web",)),
    ("webauthn", "passkey", _passkeys_adapter, ("reimbursement.adapters.passkeys",)),
]


@pytest.mark.parametrize(
    ("package", "extra", "call", "fresh"), CASES, ids=[case[0] for case in CASES]
)
def test_a_missing_package_names_its_extra(
    monkeypatch: pytest.MonkeyPatch,
    package: str,
    extra: str,
    call: Callable[[], object],
    fresh: tuple[str, ...],
) -> None:
    _hide(monkeypatch, package, *fresh)
    with pytest.raises(MissingExtraError) as caught:
        call()
    error = caught.value
    assert (error.name, error.extra) == (package, extra)
    assert f'pip install "reimbursement[{extra}]"' in str(error)
    assert isinstance(error, ReimbursementError)
    assert isinstance(error, ModuleNotFoundError)  # code catching ImportError still does


def test_without_pytest_the_testing_package_says_to_install_the_testing_extra() -> None:
    # In a fresh interpreter: pytest is running this test, so it cannot be hidden here.
    code = (
        "import sys; sys.modules['pytest'] = None\n"
        "from reimbursement.errors import MissingExtraError\n"
        "try:\n    import reimbursement.testing\n"
        "except MissingExtraError as error:\n    print(error.name, error.extra, error)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("pytest testing ")
    assert 'pip install "reimbursement[testing]"' in out


def test_the_desk_on_a_database_and_the_demo_say_the_same(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _hide(monkeypatch, "sqlalchemy", "reimbursement.adapters.sql")
    with pytest.raises(MissingExtraError, match=r"reimbursement\[sql\]"):
        sql_desk(f"sqlite:///{tmp_path / 'claims.db'}")
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 1
    message = capsys.readouterr().err
    assert 'pip install "reimbursement[sql]"' in message
    assert "--database memory" in message


def test_the_automatic_engine_counts_in_python_without_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reimbursement.analytics._engine import engine
    from reimbursement.errors import ValidationError

    _hide(monkeypatch, "numpy")
    assert engine("auto").name == "python"
    with pytest.raises(ValidationError, match="numpy is not installed"):
        engine("numpy")


def test_the_error_names_the_dependency_that_is_missing_and_pickles() -> None:
    lost = ModuleNotFoundError("No module named 'greenlet'", name="greenlet")
    error = missing(lost, "sql", "the SQL adapter")
    assert error.name == "greenlet"
    assert str(error) == (
        "the 'greenlet' package is needed for the SQL adapter and is not installed: "
        'pip install "reimbursement[sql]"'
    )
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.extra) == (MissingExtraError, str(error), "sql")


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """True when ``node`` is inside a ``try`` that handles ModuleNotFoundError or ImportError."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try):
            names = {
                n.id
                for h in node.handlers
                for n in ast.walk(h.type) if h.type is not None
                if isinstance(n, ast.Name)
            }  # fmt: skip
            if names & {"ModuleNotFoundError", "ImportError"}:
                return True
    return False


def _optional_imports(path: Path) -> Iterator[tuple[int, str, bool]]:
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        for name in names:
            if name.split(".")[0] in OPTIONAL:
                yield node.lineno, name, _guarded(node, parents)


def test_every_optional_import_goes_through_the_extras_message() -> None:
    # A package whose __init__ guards its optional dependency first may import it freely.
    guarded_packages = {
        SRC / "adapters" / "sql": "sqlalchemy",
        SRC / "testing": "pytest",
        SRC / "web": "starlette",
    }
    for package, dependency in guarded_packages.items():
        first = next(_optional_imports(package / "__init__.py"))
        assert first[1:] == (dependency, True), package
    unguarded = [
        f"{path.relative_to(SRC)}:{line} imports {name}"
        for path in SRC.rglob("*.py")
        if path.parent not in guarded_packages
        for line, name, guarded in _optional_imports(path)
        if not guarded
    ]
    assert unguarded == []


def test_a_light_desk_needs_no_optional_package(monkeypatch: pytest.MonkeyPatch) -> None:
    for package in OPTIONAL - {"pytest"}:
        _hide(monkeypatch, package)
    from reimbursement import in_memory_desk
    from reimbursement.adapters.memory import ManualClock

    desk = in_memory_desk(clock=ManualClock(datetime(2026, 3, 2, tzinfo=UTC)))
    assert isinstance(desk, ReimbursementDesk)

"""The layers keep their promises: the domain is pure, optional packages stay optional."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import reimbursement

SRC = Path(reimbursement.__file__).parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_domain_imports_no_ports_service_or_adapters() -> None:
    for path in (SRC / "domain").rglob("*.py"):
        for name in imports_of(path):
            top = name.lstrip(".").split(".")[0]
            relative_up = name.startswith("..")
            assert not (relative_up and top in {"ports", "service", "adapters", "analytics"}), (
                f"{path.relative_to(SRC)} imports {name}"
            )
            assert not name.startswith("reimbursement."), f"{path.relative_to(SRC)}: {name}"


def test_core_never_reads_the_wall_clock() -> None:
    for path in SRC.rglob("*.py"):
        if path.parent.name == "adapters":
            continue  # the SystemClock adapter is the one place allowed to
        text = path.read_text()
        for banned in ("datetime.now(", "datetime.utcnow(", "time.time(", "date.today("):
            assert banned not in text, f"{path.relative_to(SRC)} calls {banned}"


def test_importing_the_library_loads_no_optional_dependency() -> None:
    code = (
        "import sys, reimbursement, reimbursement.service, reimbursement.adapters.memory;"
        "heavy = {'pandas', 'matplotlib', 'numpy', 'holidays', 'sqlalchemy', 'pytest',"
        " 'starlette', 'uvicorn', 'itsdangerous', 'multipart', 'python_multipart'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_public_api_is_sorted_and_importable() -> None:
    names = reimbursement.__all__

    def isort_style(name: str) -> tuple[int, str]:  # constants, classes, then functions
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert list(names) == sorted(names, key=isort_style)
    for name in names:
        assert hasattr(reimbursement, name), name


def test_runtime_dependencies_are_exactly_the_core_four() -> None:
    import tomllib

    pyproject = tomllib.loads((SRC.parent.parent / "pyproject.toml").read_text())
    deps = {d.split(">")[0].split("=")[0].strip() for d in pyproject["project"]["dependencies"]}
    assert deps == {"attrs", "cattrs", "transitions", "python-dateutil"}


def test_only_the_events_module_reads_the_stored_event_form() -> None:
    # the compact rows a claim's EventLog keeps are private to domain/events.py
    owner = SRC / "domain" / "events.py"
    for path in SRC.rglob("*.py"):
        if path == owner:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in {"_rows", "_of"}, (
                    f"{path.relative_to(SRC)} reads {node.attr}"
                )
            if isinstance(node, ast.ImportFrom):
                names = {alias.name for alias in node.names}
                assert not names & {"_Row", "_as_row", "_from_row"}, path.relative_to(SRC)


WEB = SRC / "web"
WEB_PACKAGES = {"starlette", "uvicorn", "itsdangerous", "multipart", "python_multipart"}


def test_the_core_never_imports_the_web_portal() -> None:
    # the portal is an application on the library; only the CLI's `serve` starts it
    for path in SRC.rglob("*.py"):
        if WEB in path.parents or path == SRC / "__main__.py":
            continue
        for name in imports_of(path):
            bare = name.lstrip(".")
            assert bare != "web", path.relative_to(SRC)
            assert not bare.startswith("web."), path.relative_to(SRC)
            assert not name.startswith("reimbursement.web"), path.relative_to(SRC)
            assert name.split(".")[0] not in WEB_PACKAGES, f"{path.relative_to(SRC)}: {name}"


def test_the_web_portal_acts_only_through_the_desk() -> None:
    # no command, repository or unit of work behind the desk's back: who may act is the desk's
    for path in WEB.rglob("*.py"):
        for name in imports_of(path):
            bare = name.lstrip(".")
            assert not bare.startswith(("domain.commands", "domain.authorization")), path
            assert "unit_of_work" not in path.read_text(), path.relative_to(SRC)


def test_sqlalchemy_is_imported_only_by_the_sql_adapter() -> None:
    for path in SRC.rglob("*.py"):
        if (SRC / "adapters" / "sql") in path.parents:
            continue
        for name in imports_of(path):
            assert name.split(".")[0] not in {"sqlalchemy", "psycopg"}, path.relative_to(SRC)


def test_one_name_one_meaning() -> None:
    """No two public modules export different things under one name (STYLE.md).

    Re-exports of the same object are fine; private modules (``_name``) are
    implementation. Every adapter module has one factory named ``create``,
    by design.
    """
    same_shape = {"create"}
    homes: dict[str, dict[int, list[str]]] = {}
    for info in pkgutil.walk_packages(reimbursement.__path__, "reimbursement."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            homes.setdefault(name, {}).setdefault(id(getattr(module, name)), []).append(info.name)
    clashes = {
        name: sorted(m for modules in found.values() for m in modules)
        for name, found in homes.items()
        if len(found) > 1 and name not in same_shape
    }
    assert not clashes


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert long == {}


# Generated or table code that may be longer, by "module path:function name".
# Empty: no function needs it so far.
LONG_FUNCTIONS_ALLOWED: frozenset[str] = frozenset()


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                where = f"{path.relative_to(SRC)}:{node.name}"
                if lines > 60 and where not in LONG_FUNCTIONS_ALLOWED:
                    long[where] = lines
    assert long == {}


TOP_LEVEL = [
    "Actor",
    "Claim",
    "ClaimPatch",
    "ClaimState",
    "CustomerProfile",
    "DeskOptions",
    "DeskSettings",
    "LineDecision",
    "LineInput",
    "LinePatch",
    "Money",
    "ReimbursementDesk",
    "Role",
    "assemble",
    "from_data",
    "from_json",
    "in_memory_desk",
    "sql_desk",
    "to_data",
    "to_json",
]

NAMESPACES = [
    "reimbursement.adapters.cursors",
    "reimbursement.adapters.filesystem",
    "reimbursement.adapters.memory",
    "reimbursement.adapters.notify.email",
    "reimbursement.adapters.notify.inbox",
    "reimbursement.adapters.notify.sms",
    "reimbursement.adapters.notify.webhook",
    "reimbursement.adapters.pdf",
    "reimbursement.adapters.signing",
    "reimbursement.adapters.sql",
    "reimbursement.adapters.system",
    "reimbursement.adapters.tesseract",
    "reimbursement.analytics",
    "reimbursement.audit",
    "reimbursement.claims",
    "reimbursement.documents",
    "reimbursement.einvoice",
    "reimbursement.errors",
    "reimbursement.feedback",
    "reimbursement.notify",
    "reimbursement.payments",
    "reimbursement.ports",
    "reimbursement.routing",
    "reimbursement.serialization",
    "reimbursement.service",
    "reimbursement.sla",
    "reimbursement.straight_through",
    "reimbursement.testing",
    "reimbursement.web",
    "reimbursement.web.security",
]


def test_the_top_level_is_what_a_first_program_needs() -> None:
    assert reimbursement.__all__ == TOP_LEVEL


def test_every_namespace_is_documented_sorted_and_importable() -> None:
    def isort_style(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    for path in NAMESPACES:
        module = importlib.import_module(path)
        assert module.__doc__, path
        names = list(module.__all__)
        assert names == sorted(names, key=isort_style), path
        for name in names:
            assert hasattr(module, name), f"{path}.{name}"
        exec(f"from {path} import {', '.join(names)}", {})


def test_each_name_off_the_top_level_has_one_namespace() -> None:
    homes: dict[str, list[str]] = {}
    for path in NAMESPACES:
        for name in importlib.import_module(path).__all__:
            if name not in TOP_LEVEL and name != "create":  # every adapter has its create
                homes.setdefault(name, []).append(path)
    shared = {name: paths for name, paths in homes.items() if len(paths) > 1}
    assert shared == {}


def test_the_docs_map_names_every_package() -> None:
    # docs/index.md's map is where a newcomer starts: a package it leaves out is a room
    # nobody is shown
    text = (Path(__file__).parents[1] / "docs" / "index.md").read_text()
    map_ = text.split("## The map", 1)[1].split("```", 2)[1]
    packages = {p.parent.relative_to(SRC) for p in SRC.rglob("__init__.py")} - {Path()}
    unnamed = sorted(str(p) for p in packages if f"{p.name}/" not in map_)
    assert unnamed == []

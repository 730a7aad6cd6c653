"""Mutation testing of the modules that move money or decide who may act.

Run from the repository root (slow: not part of CI, see docs/mutation.md)::

    python tools/mutation.py                          # every module, about ten minutes
    python tools/mutation.py --module money --module payments   # some modules only
    python tools/mutation.py --quick                  # reuse mutmut's cache, fewer table mutants

Three kinds of mutants are run against each module's chosen tests (never the
test that compares docs/lifecycle.md with the tables):

- ``mutmut``: mutmut 3's operators on function bodies (configured under
  ``[tool.mutmut]`` in pyproject.toml). Its survivors are checked again in a
  fresh interpreter, since mutmut cannot switch on a mutant in code that ran
  at import (the lifecycle table is compiled then).
- ``table``: module-level tables rewritten one entry at a time: each entry
  of a set dropped, each missing member added, each transition dropped,
  redirected or given a source state it must not have.
- ``raise``: each ``raise`` statement replaced by ``pass``.

Table, raise and re-checked mutants are written into a temporary copy of
``src/`` (the real files are never touched) and run with ``PYTHONPATH``
pointing there. The output lists each module's score and its survivors, and
ends with one JSON line: the score of each module as a fraction of the
mutants that change behaviour (equivalent mutants and mutants that only
change the wording of an error message are left out, and listed).

To add a module, add a :class:`Target` to ``MODULES`` and its path to
``only_mutate`` under ``[tool.mutmut]`` (the tool refuses to run when the
two disagree).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import difflib
import enum
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
MUTANTS = ROOT / "mutants"
# derandomized (and so without a database of past failures): a kill is a kill in every run
PROFILE = "ci"
DOCS_TEST = "tests/domain/test_lifecycle.py::test_docs_show_the_current_diagram_and_table"


@dataclass(frozen=True)
class Target:
    """One module under mutation testing."""

    key: str  # its name in the report and the JSON line
    path: str  # under src/
    tests: tuple[str, ...]  # the tests that matter, fast and focused ones first
    tables: tuple[str, ...] = ()  # module-level tables the tool mutates itself
    message_only: tuple[str, ...] = ()  # functions whose result only words an error message

    @property
    def module(self) -> str:
        return self.path.removesuffix(".py").replace("/", ".")


_DESK = ("tests/service/test_desk.py",)
MODULES: tuple[Target, ...] = (
    Target(
        "authorization",
        "reimbursement/domain/authorization.py",
        (
            "tests/domain/test_authorization_refusals.py",
            "tests/domain/test_authorization_matrix.py",
            "tests/domain/test_authorization_rules.py",
            "tests/domain/test_plan_authorization.py",
            "tests/domain/test_lifecycle.py",
            "tests/service/test_payee_changes.py",
            "tests/service/test_staff_on_own_claim.py",
            *_DESK,
        ),
        tables=("_ROLE_ACTIONS", "_PAYMENT_ACTIONS", "_PAYEE_CHECKED", "_REVIEW_ACTIONS"),
        message_only=("_roles_for",),
    ),
    Target(
        "money",
        "reimbursement/domain/money.py",
        ("tests/domain/test_money_properties.py", "tests/domain/test_money.py"),
    ),
    Target(
        "payments",
        "reimbursement/domain/commands/payments.py",
        (
            "tests/service/test_payment_payouts.py",
            "tests/service/test_payment_safety.py",
            "tests/service/test_payment_events.py",
            "tests/service/test_payee_changes.py",
            "tests/domain/test_authorization_matrix.py",
            *_DESK,
        ),
    ),
    Target(
        "payment_records",  # attempts, their end states, the account a customer may read
        "reimbursement/domain/payment.py",
        (
            "tests/domain/test_payment.py",
            "tests/service/test_payment_safety.py",
            "tests/service/test_payee_changes.py",
            "tests/service/test_payment_payouts.py",
            "tests/domain/test_invariants.py",
        ),
        tables=("_OVER",),
    ),
    Target(
        "lifecycle",
        "reimbursement/domain/lifecycle.py",
        ("tests/domain/test_lifecycle_rules.py", "tests/domain/test_lifecycle.py"),
        tables=("_TRANSITIONS", "_FINAL"),
    ),
    Target(
        "sql_save",  # the SQL store's optimistic save: UPDATE ... WHERE version
        "reimbursement/adapters/sql/_writes.py",
        (
            "tests/adapters/sql/test_loads.py",
            "tests/adapters/sql/test_contracts_sql.py",
            "tests/adapters/sql/test_threads.py",
            "tests/adapters/sql/test_claim_items.py",
            "tests/adapters/sql/test_log_commit.py",
        ),
    ),
    Target(
        "sql_loads",  # the reviewers' load counts routing reads: who is given work
        "reimbursement/adapters/sql/_loads.py",
        ("tests/adapters/sql/test_loads.py", "tests/adapters/sql/test_contracts_sql.py"),
    ),
    Target(
        "payment_runs",  # which approved payments a run gathers, approves and sends
        "reimbursement/payments/runs.py",
        (
            "tests/payments/test_run_rules.py",
            "tests/payments/test_runs.py",
            "tests/payments/test_promise_year.py",
        ),
    ),
    Target(
        "bank_file",  # the pain.001 gateway: each payment filed once, in one file per run
        "reimbursement/payments/bankfile.py",
        (
            "tests/payments/test_bank_file_rules.py",
            "tests/payments/test_bank_files.py",
            "tests/payments/test_gateways.py",
        ),
    ),
    Target(
        "reconciliation",  # which claims a bank statement (camt.054/053) marks paid or failed
        "reimbursement/payments/camt.py",
        ("tests/payments/test_reconcile_rules.py", "tests/payments/test_bank_files.py"),
    ),
    Target(
        "desk_payments",
        "reimbursement/service/_payments.py",
        (
            "tests/service/test_payment_payouts.py",
            "tests/service/test_payment_safety.py",
            "tests/service/test_payee_changes.py",
            "tests/service/test_request_binding.py",
            "tests/domain/test_authorization_matrix.py",
            *_DESK,
            "tests/service/test_desk_routing.py",  # plan deciders and conflicts of interest
        ),
    ),
)
"""Every module that moves money or decides who may act: one line each."""

_NEVER_AUTHORIZED = (
    "the desk never asks authorize() about start_review (routing moves a submitted claim "
    "as the library itself) nor approve_partially (desk.approve authorizes approve, whatever "
    "the lines)"
)
_NO_STAFF_HOLDS_IT = (
    "the approver check runs only for reviewer and finance actions, and no reviewer or "
    "finance officer holds this action: the role check refuses them first, and customers "
    "and the system return before the check"
)
_NO_ASSIGNEE_CHECK = (
    "the assigned-reviewer check runs only for reviewer and finance actions: customer and "
    "system actions return before it"
)
_CUSTOMERS_RETURN = (
    "the payee-account check runs only for staff actions, and only customers hold this "
    "action: the role check refuses staff first, and customers return before the check"
)
EQUIVALENT: dict[str, str] = {
    **{
        f"_ROLE_ACTIONS[Role.{role}] with A.{action}": _NEVER_AUTHORIZED
        for role, action in (
            ("CUSTOMER", "START_REVIEW"),
            ("CUSTOMER", "APPROVE_PARTIALLY"),
            ("FINANCE", "START_REVIEW"),
        )
    },
    "_REVIEW_ACTIONS without A.APPROVE_PARTIALLY": _NEVER_AUTHORIZED,
    **{
        f"_PAYEE_CHECKED with A.{action}": _CUSTOMERS_RETURN
        for action in ("UPDATE_DRAFT", "SUBMIT", "RESUBMIT", "WITHDRAW")
    },
    **{
        f"_PAYMENT_ACTIONS with A.{action}": _NO_STAFF_HOLDS_IT
        for action in (
            "UPDATE_DRAFT",
            "SUBMIT",
            "START_REVIEW",
            "RESUBMIT",
            "WITHDRAW",
        )
    },
    **{
        f"_REVIEW_ACTIONS with A.{action}": _NO_ASSIGNEE_CHECK
        for action in (
            "UPDATE_DRAFT",
            "SUBMIT",
            "RESUBMIT",
            "WITHDRAW",
        )
    },
    "Money.__str__: if len(_TEXTS) >= _TEXTS_KEPT: => if len(_TEXTS) > _TEXTS_KEPT:": (
        "the text cache holds one entry more before it is cleared: same texts, 1/4096 more memory"
    ),
    "Money.sum: raise #2 => pass": (
        "an unknown currency is still refused, with the same error and path: an empty sum "
        "builds Money(0, currency), which checks it, and a non-empty one has items in it"
    ),
    **{
        f"_build_machine: {change}": (
            "no model is ever bound to the shared machine: its initial state, the event "
            "argument style and the machine as its own model change nothing in the table "
            "compiled from it, and no callback exists to receive an event"
        )
        for change in (
            "initial=ClaimState.DRAFT.value, => initial=None,",
            "initial=ClaimState.DRAFT.value, => ",
            "send_event=True, => send_event=None,",
            "send_event=True, => send_event=False,",
            "send_event=True, / ) => )",
            "model=None, => ",
        )
    },
    "_build_machine: auto_transitions=False, => auto_transitions=None,": (
        "transitions reads the flag for its truth: None adds no to_<state> triggers, as False"
    ),
    **{
        f"PaymentCalls.approve_payment: {change}": (
            "without approval rules no plan step is ever decided, so reading the deciders "
            "gives the empty set the shortcut gives"
        )
        for change in (
            "steps = deciders(claim) if self.approval_rules is not None else set() => "
            "steps = deciders(claim) if (self.approval_rules is not None) or True else set()",
        )
    },
    "_due_key: return NOT_DUE if schedule.due_at is None else schedule.due_at.astimezone(UTC)"
    " => return NOT_DUE if schedule.due_at is None else schedule.due_at.astimezone(None)": (
        "the column type (Instant) stores the instant itself: converting an aware time to the "
        "local zone instead of UTC first changes its offset, not the instant stored or its order"
    ),
    **{
        f"update_claim: {call}(connection, claim, before) => {call}(connection, claim, None)": (
            "without the claim as stored its rows are deleted and written again from the "
            "claim: the same rows as writing only a change, more statements"
        )
        for call in ("index_duplicates", "index_audit")
    },
    **{
        "update_claim: for i, (event, entry) in enumerate(zip(events, pending, strict=True)):"
        f" => for i, (event, entry) in enumerate(zip(events, pending, {strict})):": (
            "pending_rows makes one entry per new event, from the same events: the two are "
            "always as long, so strict never has anything to refuse"
        )
        for strict in ("strict=None", "strict=False", "")
    },
    **{
        "append: index_audit(connection, claim, None, added=True) => "
        f"index_audit(connection, claim, None, {added})": (
            "a new claim has no audit-queue row yet: without added the row it does not have "
            "is deleted first, which deletes nothing"
        )
        for added in ("added=None", "added=False", "")
    },
    **{
        "add_loads: if after[reviewer] != before.get(reviewer, 0) => "
        f"if after[reviewer] != before.get({default})": (
            "a reviewer counts in after (a Counter of holders, never zero) or in before: one "
            "missing from before is held after, so != 0 and != None agree; before.get(0) "
            "only adds a zero to a reviewer whose count did not change, which open_work's "
            "HAVING sum != 0 never shows"
        )
        for default in ("reviewer, None", "0", "reviewer, ")
    },
    'confirm_payment: data={"amount": str(payment.amount), "reference": '
    'payment.gateway_reference or ""}, => data={"amount": str(payment.amount), '
    '"reference": payment.gateway_reference or "XXXX"},': (
        "a sent payment always holds the gateway's reference, never empty under the payment "
        "port's contract (reimbursement.testing checks it): the fallback only narrows the type"
    ),
    # -- payment runs (payments/runs.py)
    **{
        f"target2_calendar: {change}": (
            "1 January 2000 is a Saturday, closed anyway, and rrule takes a rule's missing day "
            "of the month from dtstart (the 1st): the calendar closes on the same days"
        )
        for change in (
            "start = datetime(2000, 1, 1)  # noqa: DTZ001 - rrule dates, compared as days => "
            "start = datetime(2000, 2, 1)  # noqa: DTZ001 - rrule dates, compared as days",
            "start = datetime(2000, 1, 1)  # noqa: DTZ001 - rrule dates, compared as days => "
            "start = datetime(2000, 1, 2)  # noqa: DTZ001 - rrule dates, compared as days",
            *(
                f"rrule(YEARLY, bymonth={month}, bymonthday=1, dtstart=start), => {mutated}"
                for month in (1, 5)
                for mutated in (
                    f"rrule(YEARLY, bymonth={month}, bymonthday=None, dtstart=start),",
                    f"rrule(YEARLY, bymonth={month}, dtstart=start),",
                )
            ),
        )
    },
    "PaymentRuns._open: page = self.desk.claims_in(actor, states, after=after, limit=1000) => "
    "page = self.desk.claims_in(actor, states, after=after, )": (
        "the desk's default page (50 claims) instead of 1000: more pages, the same claims "
        "(test_run_rules.py reads one claim per page)"
    ),
    "RunSchedule.next_cutoff: return next(self.cutoffs_between(after, after + "
    "timedelta(days=400))) => return next(self.cutoffs_between(after, after + "
    "timedelta(days=401)))": (
        "a day more of look-ahead: a schedule's next cut-off is at most a few days away "
        "(the next bank day), far inside either bound"
    ),
    "PaymentRuns.run_at: return self.release(self.collect(cutoff, actor), actor) => "
    "return self.release(self.collect(cutoff, ), actor)": (
        "release re-reads the open claims as actor; of the run collected it reads only the "
        "id, cut-off, execution date and instant flag, which do not depend on who collects"
    ),
    # -- the pain.001 gateway (payments/bankfile.py)
    **{
        f"BankFileGateway.{change}": (
            "only whether sepa_problem finds a problem is read, not the text it cuts to the "
            "length: the length (and, in _transfer, the field path of a problem dropped) "
            "changes nothing"
        )
        for change in (
            '_new_entry: _, problem = sepa_problem("payee.name", payee.name, 70) => '
            '_, problem = sepa_problem("payee.name", payee.name, None)',
            '_new_entry: _, problem = sepa_problem("payee.name", payee.name, 70) => '
            '_, problem = sepa_problem("payee.name", payee.name, 71)',
            *(
                '_transfer: if sepa_problem("payee.name", payee.name, 70)[1] is not None: => '
                f"if sepa_problem({mutated})[1] is not None:"
                for mutated in (
                    '"payee.name", payee.name, None',
                    '"XXpayee.nameXX", payee.name, 70',
                    '"PAYEE.NAME", payee.name, 70',
                    '"payee.name", payee.name, 71',
                )
            ),
        )
    },
    "BankFileGateway._new_entry: return LedgerEntry(instruction, receipt, None, payee.name, "
    'payee.address), "" => return LedgerEntry(instruction, receipt, None, payee.name, '
    'payee.address), "XXXX"': (
        "the reason is read only when no entry is made: with an entry it is never used"
    ),
    **{
        f"BankFileGateway.{change}": (
            "the ledger keeps the first entry of a key (add returns the entry it holds) and "
            "every gateway gives a key the reference end_to_end_id(key): skipping the first "
            "read gives the same entry and the same receipt"
        )
        for change in (
            "cancel: entry = self._ledger.get(key) => entry = self._ledger.get(None)",
            "settle: entry = self._ledger.get(key) => entry = None",
            "settle: entry = self._ledger.get(key) => entry = self._ledger.get(None)",
            "settle: reference = end_to_end_id(key) if entry is None else "
            "entry.receipt.reference => reference = end_to_end_id(key) if (entry is None) "
            "or True else entry.receipt.reference",
        )
    },
    "BankFileGateway.cancel: if entry.receipt.status is ReceiptStatus.PENDING and "
    "entry.filed_in is None: => if entry.receipt.status is ReceiptStatus.PENDING or "
    "entry.filed_in is None:": (
        "the ledger's replace(unfiled=True) changes only a pending receipt in no file: asking "
        "it for a filed or a final key as well leaves that key as it is"
    ),
    "BankFileGateway.pay: return _answer(self._ledger.add(entry), entry, instruction) => "
    "return _answer(self._ledger.add(entry), None, instruction)": (
        "the entry kept is then answered through seen(), which gives the same receipt for "
        "the instruction it was made from"
    ),
    "BankFileGateway.write_file: if len(filed) < len(transfers): => "
    "if len(filed) <= len(transfers):": (
        "when every key was filed the file is written again from the same transfers: the "
        "same bytes"
    ),
    # -- reconciliation (payments/camt.py)
    "_plan: currency == expected.currency and text == str(expected.amount) => "
    "currency == expected.currency and text == str(None)": (
        "the shortcut for an amount written as the payment writes it: without it the exact "
        "reading of the same text compares equal, and the plan is the same"
    ),
    "open_payments: page = desk.claims_in(actor, [ClaimState.PAYMENT_APPROVED], after=after, "
    "limit=1000) => page = desk.claims_in(actor, [ClaimState.PAYMENT_APPROVED], "
    "after=after, )": (
        "the desk's default page (50 claims) instead of 1000: more pages, the same payments "
        "(test_reconcile_rules.py reads one claim per page)"
    ),
    'open_payments: found[payment.gateway_reference or ""] = OpenPayment( => '
    'found[payment.gateway_reference or "XXXX"] = OpenPayment(': (
        "a sent payment always holds the gateway's reference, never empty under the payment "
        "port's contract: the fallback only narrows the type"
    ),
}
"""Surviving mutants judged equivalent, by key (as the report prints it), with the reason."""

KILLED, SURVIVED, EQUIVALENT_, WORDING = "killed", "survived", "equivalent", "wording"
_MUTMUT_KILLED = {1, 3, 24, -24, 36, 152, 255}  # killed, or timed out (mutmut's own codes)


@dataclass
class Mutant:
    target: str
    kind: str  # mutmut, table, raise
    key: str  # stable description: what changed
    status: str = ""
    detail: str = ""


@dataclass
class Result:
    target: Target
    mutants: list[Mutant] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for m in self.mutants if m.status == status)

    @property
    def score(self) -> float:
        killed, survived = self.count(KILLED), self.count(SURVIVED)
        return killed / (killed + survived) if killed + survived else 1.0


# -- running tests against a copy of src/ -------------------------------------------------------


class Sandbox:
    """A temporary copy of src/ where one module at a time is rewritten."""

    def __init__(self, directory: Path) -> None:
        self.src = directory / "src"
        shutil.copytree(SRC, self.src, ignore=shutil.ignore_patterns("__pycache__"))
        self.env = {
            **os.environ,
            "PYTHONPATH": str(self.src),
            "HYPOTHESIS_PROFILE": PROFILE,
        }
        self.timeouts: dict[str, float] = {}

    def check_import(self) -> None:
        out = subprocess.run(
            [sys.executable, "-c", "import reimbursement; print(reimbursement.__file__)"],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not out.startswith(str(self.src)):
            raise SystemExit(f"the sandbox is not imported: reimbursement comes from {out}")

    @contextlib.contextmanager
    def rewritten(self, target: Target, source: str) -> Iterator[None]:
        path = self.src / target.path
        original = path.read_text()
        path.write_text(source)
        _drop_bytecode(path)
        try:
            yield
        finally:
            path.write_text(original)
            _drop_bytecode(path)

    def run(self, target: Target, *, baseline: bool = False) -> bool:
        """True when the tests pass (the mutant survives)."""
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "--no-header",
            f"--deselect={DOCS_TEST}",
            *target.tests,
        ]
        started = time.monotonic()
        try:
            done = subprocess.run(
                command,
                env=self.env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=None if baseline else self.timeouts[target.key],
            )
        except subprocess.TimeoutExpired:
            return False  # a mutant that hangs is caught
        if baseline:
            if done.returncode != 0:
                raise SystemExit(f"{target.key}: the tests fail unmutated\n{done.stdout[-3000:]}")
            # generous: on a shared machine a slow run is not a hang (a timeout counts as killed)
            self.timeouts[target.key] = 30 * (time.monotonic() - started) + 60
        return done.returncode == 0


def _drop_bytecode(path: Path) -> None:
    # a rewrite within the same second and of the same size would reuse stale bytecode
    Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)


# -- mutmut ---------------------------------------------------------------------------------------


def check_config(targets: Sequence[Target]) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    listed = set(config["only_mutate"])
    wanted = {f"src/{t.path}" for t in MODULES}
    if listed != wanted:
        raise SystemExit(
            "pyproject.toml [tool.mutmut] only_mutate and MODULES in tools/mutation.py "
            f"disagree: {sorted(listed ^ wanted)}"
        )
    selection = config["pytest_add_cli_args_test_selection"]
    missing = {test for t in targets for test in t.tests} - set(selection)
    if missing or f"--deselect={DOCS_TEST}" not in selection:
        raise SystemExit(
            f"[tool.mutmut] pytest_add_cli_args_test_selection needs {sorted(missing)} "
            f"and --deselect={DOCS_TEST}"
        )


def run_mutmut(targets: Sequence[Target], *, reuse: bool, log: Path) -> None:
    if not reuse:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "HYPOTHESIS_PROFILE": PROFILE,
    }
    names = [f"{t.module}.*" for t in targets]
    mutmut = Path(sys.executable).with_name("mutmut")
    with log.open("w") as out:
        subprocess.run(
            [str(mutmut), "run", "--max-children", "1", *names],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )


def _function_name(mangled: str) -> tuple[str | None, str]:
    """(class, function) from mutmut's ``x_name__mutmut_3`` or ``xǁClassǁname__mutmut_3``."""
    base = mangled.rsplit("__mutmut_", 1)[0]
    if base.startswith("xǁ"):
        cls, name = base[2:].split("ǁ", 1)
        return cls, name
    return None, base[2:]


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    found: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    found[f"{node.name}.{item.name}"] = item
    return found


def _lines(source: list[str], node: ast.stmt) -> list[str]:
    return source[node.lineno - 1 : node.end_lineno]


def _describe(function: str, before: list[str], after: list[str]) -> str:
    removed, added = [], []
    for line in difflib.unified_diff(before[1:], after[1:], lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:].strip())
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:].strip())
    return f"{function}: {' / '.join(removed)} => {' / '.join(added)}"


Path_ = tuple[tuple[str, int | None], ...]


def _only_wording(orig: ast.stmt, mutant: ast.stmt) -> bool:
    """True when the two differ only in the text of an error or assertion message."""
    paths = list(_message_paths(orig, ()))
    blanked = [_blank(copy.deepcopy(tree), paths) for tree in (orig, mutant)]
    return ast.dump(orig) != ast.dump(mutant) and blanked[0] == blanked[1]


def _message_paths(node: ast.AST, path: Path_) -> Iterator[Path_]:
    """Where a function words its messages: assert messages, exception texts."""
    if isinstance(node, ast.Assert) and node.msg is not None:
        yield (*path, ("msg", None))
    if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
        call = node.exc
        here = (*path, ("exc", None))
        if isinstance(call.func, ast.Attribute) and call.func.attr == "at":
            # ValidationError.at(path, message): the path is behaviour, the message wording
            for i in range(1, len(call.args)):
                yield (*here, ("args", i))
        elif len(call.args) == 1 and _is_text(call.args[0]):
            yield (*here, ("args", 0))
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            yield from _message_paths(value, (*path, (name, None)))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield from _message_paths(item, (*path, (name, i)))


def _is_text(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.BinOp) and _is_text(node.left) and _is_text(node.right)


def _blank(tree: ast.AST, paths: list[Path_]) -> str:
    for path in paths:
        parent: ast.AST = tree
        for name, index in path[:-1]:
            child = getattr(parent, name, None)
            if index is not None:
                child = child[index] if isinstance(child, list) and index < len(child) else None
            if not isinstance(child, ast.AST):
                break
            parent = child
        else:
            name, index = path[-1]
            if index is None:
                if getattr(parent, name, None) is not None:
                    setattr(parent, name, ast.Constant("<message>"))
            else:
                items = getattr(parent, name, None)
                if isinstance(items, list) and index < len(items):
                    items[index] = ast.Constant("<message>")
    if isinstance(tree, ast.FunctionDef):
        tree.name = "<function>"
    return ast.dump(tree)


def mutmut_mutants(target: Target, sandbox: Sandbox) -> list[Mutant]:
    """mutmut's verdicts, survivors re-checked in a fresh interpreter."""
    meta_path = MUTANTS / "src" / (target.path + ".meta")
    if not meta_path.exists():
        raise SystemExit(f"mutmut left no results for {target.path}: see mutants/mutmut.log")
    codes: dict[str, int | None] = json.loads(meta_path.read_text())["exit_code_by_key"]
    mutated_text = (MUTANTS / "src" / target.path).read_text()
    mutated_lines = mutated_text.splitlines(keepends=True)
    mutated = {
        node.name: node
        for node in ast.walk(ast.parse(mutated_text))
        if isinstance(node, ast.FunctionDef)
    }
    original_text = (SRC / target.path).read_text()
    original_lines = original_text.splitlines(keepends=True)
    originals = _functions(ast.parse(original_text))
    found = []
    for name, code in sorted(codes.items(), key=lambda item: _natural(item[0])):
        mangled = name.removeprefix(target.module + ".")
        cls, function = _function_name(mangled)
        qualified = f"{cls}.{function}" if cls else function
        node = mutated[mangled]
        orig = mutated[mangled.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"]
        mutant = Mutant(
            target.key,
            "mutmut",
            _describe(qualified, _lines(mutated_lines, orig), _lines(mutated_lines, node)),
            detail=name,
        )
        found.append(mutant)
        if function in target.message_only or _only_wording(orig, node):
            mutant.status = WORDING
            continue
        if code in _MUTMUT_KILLED:
            mutant.status = KILLED
            continue
        # survived, no tests, not checked: see for ourselves, in a fresh interpreter
        place = originals[qualified]
        indent = len(original_lines[place.lineno - 1]) - len(
            original_lines[place.lineno - 1].lstrip()
        )
        body = _reindent(_lines(mutated_lines, node), indent)
        body[0] = body[0].replace(f"def {mangled}(", f"def {function}(", 1)
        spliced = original_lines[: place.lineno - 1] + body + original_lines[place.end_lineno :]
        with sandbox.rewritten(target, "".join(spliced)):
            mutant.status = SURVIVED if sandbox.run(target) else KILLED
    return found


def _natural(name: str) -> tuple[str, int]:
    base, _, number = name.rpartition("__mutmut_")
    return base, int(number) if number.isdigit() else -1


def _reindent(lines: list[str], indent: int) -> list[str]:
    first = lines[0]
    current = len(first) - len(first.lstrip())
    shift = indent - current
    if shift == 0:
        return list(lines)
    if shift > 0:
        return [" " * shift + line if line.strip() else line for line in lines]
    return [line[-shift:] if line[:-shift].strip() == "" else line for line in lines]


# -- table and raise mutants ----------------------------------------------------------------------

Rewrite = Callable[[ast.Module], None]


def _assignment(tree: ast.Module, name: str) -> ast.Assign | ast.AnnAssign:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            return node
    raise SystemExit(f"no module-level table {name}")


def _set_literal(node: ast.expr) -> ast.Set | None:
    if isinstance(node, ast.Set):
        return node
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"frozenset", "set"}
        and node.args
        and isinstance(node.args[0], ast.Set)
    ):
        return node.args[0]
    return None


def _members(namespace: dict[str, object], element: ast.expr) -> tuple[str, list[str]]:
    """The enum an element such as ``A.SUBMIT`` belongs to: its spelling prefix and members."""
    assert isinstance(element, ast.Attribute)
    prefix = ast.unparse(element.value)
    value = eval(ast.unparse(element), namespace)  # a module-level name, nothing else
    assert isinstance(value, enum.Enum)
    return prefix, [m.name for m in type(value)]


def _set_mutants(
    label: str, literal: Callable[[ast.Module], ast.Set], sample: ast.Set, ns: dict[str, object]
) -> Iterator[tuple[str, Rewrite]]:
    present = [ast.unparse(e) for e in sample.elts]
    prefix, members = _members(ns, sample.elts[0])
    for i, shown in enumerate(present):

        def drop(tree: ast.Module, i: int = i) -> None:
            del literal(tree).elts[i]

        yield f"{label} without {shown}", drop
    for member in members:
        spelled = f"{prefix}.{member}"
        if spelled in present:
            continue

        def add(tree: ast.Module, spelled: str = spelled) -> None:
            literal(tree).elts.append(ast.parse(spelled, mode="eval").body)

        yield f"{label} with {spelled}", add


def table_mutants(target: Target, quick: bool) -> Iterator[tuple[str, str, str]]:
    """(kind, key, mutated source) for each table entry and each raise."""
    source = (SRC / target.path).read_text()
    module = importlib.import_module(target.module)
    ns = vars(module)
    tree = ast.parse(source)
    rewrites: list[tuple[str, str, Rewrite]] = []
    for name in target.tables:
        value = _assignment(tree, name).value
        assert value is not None
        for kind, key, rewrite in _table_rewrites(name, value, ns, quick):
            rewrites.append((kind, key, rewrite))
    for index, (function, _) in enumerate(_raises(tree)):

        def unraise(t: ast.Module, index: int = index) -> None:
            _, parent, field_name, position = _raise_sites(t)[index]
            getattr(parent, field_name)[position] = ast.Pass()

        rewrites.append(("raise", f"{function}: raise #{_nth(tree, index)} => pass", unraise))
    for kind, key, rewrite in rewrites:
        mutated = ast.parse(source)
        rewrite(mutated)
        yield kind, key, ast.unparse(ast.fix_missing_locations(mutated)) + "\n"


def _table_rewrites(
    name: str, value: ast.expr, ns: dict[str, object], quick: bool
) -> Iterator[tuple[str, str, Rewrite]]:
    def value_of(tree: ast.Module) -> ast.expr:
        node = _assignment(tree, name).value
        assert node is not None
        return node

    def the_set(tree: ast.Module) -> ast.Set:
        found = _set_literal(value_of(tree))
        assert found is not None
        return found

    literal = _set_literal(value)
    if literal is not None:  # a set of enum members
        for key, rewrite in _set_mutants(name, the_set, literal, ns):
            yield "table", key, rewrite
        return
    if isinstance(value, ast.Dict):  # a mapping of sets
        for i, (k, v) in enumerate(zip(value.keys, value.values, strict=True)):
            assert k is not None
            inner = _set_literal(v)
            assert inner is not None, f"{name}: only mappings of sets are mutated"

            def entry(tree: ast.Module, i: int = i) -> ast.Set:
                node = value_of(tree)
                assert isinstance(node, ast.Dict)
                found = _set_literal(node.values[i])
                assert found is not None
                return found

            for key, rewrite in _set_mutants(f"{name}[{ast.unparse(k)}]", entry, inner, ns):
                yield "table", key, rewrite
        return
    if isinstance(value, ast.Tuple) and all(isinstance(e, ast.Tuple) for e in value.elts):
        yield from _transition_rewrites(name, value, value_of, ns, quick)
        return
    # an expression naming a set (an alias of another table): subtract or add one member
    evaluated = eval(ast.unparse(value), ns)
    assert isinstance(evaluated, frozenset), f"{name}: cannot mutate"
    assert evaluated, f"{name}: cannot mutate an empty set"
    sample = next(iter(evaluated))
    assert isinstance(sample, enum.Enum)
    # the module's own short name for the enum (``A`` for Action), else the class name
    spelling = min(
        (n for n, v in ns.items() if v is type(sample)), key=len, default=type(sample).__name__
    )
    expression = ast.unparse(value)
    for member in type(sample):
        operation = "-" if member in evaluated else "|"
        replacement = f"({expression}) {operation} {{{spelling}.{member.name}}}"

        def change(tree: ast.Module, replacement: str = replacement) -> None:
            _assignment(tree, name).value = ast.parse(replacement, mode="eval").body

        verb = "without" if operation == "-" else "with"
        yield "table", f"{name} {verb} {spelling}.{member.name}", change


def _transition_rewrites(
    name: str,
    value: ast.Tuple,
    value_of: Callable[[ast.Module], ast.expr],
    ns: dict[str, object],
    quick: bool,
) -> Iterator[tuple[str, str, Rewrite]]:
    """Rows of (action, (sources...), destination or None)."""

    def rows(tree: ast.Module) -> list[ast.expr]:
        node = value_of(tree)
        assert isinstance(node, ast.Tuple)
        return node.elts

    first = value.elts[0]
    assert isinstance(first, ast.Tuple)
    sources0 = first.elts[1]
    assert isinstance(sources0, ast.Tuple)
    prefix, states = _members(ns, sources0.elts[0])
    for i, row in enumerate(value.elts):
        assert isinstance(row, ast.Tuple)
        action = ast.unparse(row.elts[0])
        sources = row.elts[1]
        assert isinstance(sources, ast.Tuple)
        present = [ast.unparse(s) for s in sources.elts]
        dest = ast.unparse(row.elts[2])

        def drop_row(tree: ast.Module, i: int = i) -> None:
            del rows(tree)[i]

        yield "table", f"{name} without {action}", drop_row
        if len(present) > 1:
            for j, shown in enumerate(present):

                def drop_source(tree: ast.Module, i: int = i, j: int = j) -> None:
                    row = rows(tree)[i]
                    assert isinstance(row, ast.Tuple)
                    src = row.elts[1]
                    assert isinstance(src, ast.Tuple)
                    del src.elts[j]

                yield "table", f"{name}: {action} not from {shown}", drop_source
        if dest != "None":

            def stay(tree: ast.Module, i: int = i) -> None:
                row = rows(tree)[i]
                assert isinstance(row, ast.Tuple)
                row.elts[2] = ast.Constant(None)

            yield "table", f"{name}: {action} stays instead of going to {dest}", stay
        extra = [f"{prefix}.{s}" for s in states if f"{prefix}.{s}" not in present]
        for shown in extra[:1] if quick else extra:

            def add_source(tree: ast.Module, i: int = i, shown: str = shown) -> None:
                row = rows(tree)[i]
                assert isinstance(row, ast.Tuple)
                src = row.elts[1]
                assert isinstance(src, ast.Tuple)
                src.elts.append(ast.parse(shown, mode="eval").body)

            yield "table", f"{name}: {action} also from {shown}", add_source


def _raise_sites(tree: ast.Module) -> list[tuple[ast.Raise, ast.AST, str, int]]:
    """Every raise statement with the block that holds it, in source order."""
    sites = []
    for parent in ast.walk(tree):
        for field_name in ("body", "orelse", "finalbody"):
            block = getattr(parent, field_name, None)
            if not isinstance(block, list):
                continue
            for position, node in enumerate(block):
                if isinstance(node, ast.Raise):
                    sites.append((node, parent, field_name, position))
    return sorted(sites, key=lambda site: (site[0].lineno, site[0].col_offset))


def _raises(tree: ast.Module) -> list[tuple[str, ast.Raise]]:
    owners: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    for inner in ast.walk(item):
                        owners.setdefault(id(inner), f"{node.name}.{item.name}")
        elif isinstance(node, ast.FunctionDef):
            for inner in ast.walk(node):
                owners.setdefault(id(inner), node.name)
    return [(owners.get(id(node), "<module>"), node) for node, *_ in _raise_sites(tree)]


def _nth(tree: ast.Module, index: int) -> int:
    listed = _raises(tree)
    function = listed[index][0]
    return sum(1 for f, _ in listed[: index + 1] if f == function)


# -- report ---------------------------------------------------------------------------------


def evaluate(target: Target, sandbox: Sandbox, *, quick: bool, use_mutmut: bool) -> Result:
    result = Result(target)
    if use_mutmut:
        result.mutants.extend(mutmut_mutants(target, sandbox))
    for kind, key, source in table_mutants(target, quick):
        mutant = Mutant(target.key, kind, key)
        with sandbox.rewritten(target, source):
            mutant.status = SURVIVED if sandbox.run(target) else KILLED
        result.mutants.append(mutant)
    for mutant in result.mutants:
        if mutant.status == SURVIVED and mutant.key in EQUIVALENT:
            mutant.status = EQUIVALENT_
    return result


def report(results: Sequence[Result], seconds: float) -> None:
    for result in results:
        t = result.target
        by_kind = {
            kind: (
                sum(1 for m in result.mutants if m.kind == kind and m.status == KILLED),
                sum(1 for m in result.mutants if m.kind == kind and m.status == SURVIVED),
            )
            for kind in ("mutmut", "table", "raise")
        }
        kinds = ", ".join(f"{k} {a}/{a + b}" for k, (a, b) in by_kind.items() if a + b)
        print(
            f"\n{t.key} ({t.path}): {result.score:.1%} killed ({kinds}); "
            f"{result.count(EQUIVALENT_)} equivalent, {result.count(WORDING)} wording only"
        )
        for mutant in result.mutants:
            if mutant.status == SURVIVED:
                print(f"  SURVIVED [{mutant.kind}] {mutant.key}  {mutant.detail}")
        for mutant in result.mutants:
            if mutant.status == EQUIVALENT_:
                print(f"  equivalent [{mutant.kind}] {mutant.key}: {EQUIVALENT[mutant.key]}")
    used = {m.key for r in results for m in r.mutants if m.status == EQUIVALENT_}
    keys = {m.key for r in results for m in r.mutants}
    for key in sorted(k for k in EQUIVALENT if k in keys and k not in used):
        print(f"\nkilled, yet listed in EQUIVALENT (remove it): {key}")
    if len(results) == len(MODULES):
        for key in sorted(k for k in EQUIVALENT if k not in keys):
            print(f"\nno such mutant, yet listed in EQUIVALENT (remove it): {key}")
    print(f"\n{time.strftime('%H:%M:%S')}: ran in {seconds / 60:.1f} min")
    print(json.dumps({r.target.key: round(r.score, 4) for r in results}))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--module", action="append", choices=[t.key for t in MODULES])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="reuse mutmut's cache; one extra source per transition",
    )
    parser.add_argument("--reuse", action="store_true", help="keep mutmut's cache in mutants/")
    parser.add_argument("--no-mutmut", action="store_true", help="table and raise mutants only")
    args = parser.parse_args(argv)
    targets = [t for t in MODULES if args.module is None or t.key in args.module]
    check_config(targets)
    started = time.monotonic()
    sys.path.insert(0, str(SRC))  # the tables are read from this worktree's source
    with tempfile.TemporaryDirectory(prefix="mutation-") as directory:
        sandbox = Sandbox(Path(directory))
        sandbox.check_import()
        for target in targets:
            sandbox.run(target, baseline=True)
        if not args.no_mutmut:
            log = Path(directory) / "mutmut.log"
            run_mutmut(targets, reuse=args.reuse or args.quick, log=log)
            MUTANTS.mkdir(exist_ok=True)
            shutil.copy(log, MUTANTS / "mutmut.log")
        results = [
            evaluate(t, sandbox, quick=args.quick, use_mutmut=not args.no_mutmut) for t in targets
        ]
    report(results, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())

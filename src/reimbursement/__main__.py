"""Command line: ``python -m reimbursement demo``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in ``argv``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m reimbursement",
        description="Expense-reimbursement claims for insurers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="play a realistic scenario on the in-memory default")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Instructions per claim of the in-memory lifecycle, counted by valgrind's cachegrind.

On a shared, noisy machine a time moves by tens of percent between runs; the
number of instructions the interpreter executes barely moves. This script
runs ``run_desk(n)`` of ``benchmarks/lifecycle.py`` (drafts made first, then
submit -> approve -> approve_payment -> pay on the in-memory adapters) under
``valgrind --tool=cachegrind --cache-sim=no`` for a small and a large ``n``
(300 and 2,300 by default) and reports the difference divided by the extra
claims: start-up, imports and warm-up cancel out, what is left is the
steady cost of one claim, drafting included. ``--drafts-only`` counts the
drafts alone the same way, so the figure without them can be read off.

It also prints the bytes held per stored claim (tracemalloc, no valgrind),
as ``benchmarks/lifecycle.py`` measures them.

Usage: python benchmarks/instructions.py [--small 300] [--large 2300] [--drafts-only]
Needs ``valgrind`` on PATH. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(n: int, drafts_only: bool) -> None:
    """What runs under valgrind: the desk for ``n`` claims and nothing else."""
    sys.path.insert(0, str(HERE))
    import lifecycle

    if drafts_only:
        desk = lifecycle.make_desk()
        for i in range(n):
            desk.start_draft(
                lifecycle.CUSTOMER_ACTORS[i % lifecycle.CUSTOMERS], lifecycle.lines_for(i)
            )
    else:
        lifecycle.run_desk(n)


def count(n: int, drafts_only: bool) -> int:
    """Instructions executed by a child process running ``n`` claims."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cachegrind.out"
        command = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            str(n),
        ]
        if drafts_only:
            command.append("--drafts-only")
        env = dict(os.environ, PYTHONHASHSEED="0")
        subprocess.run(command, check=True, capture_output=True, env=env)
        summary = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
        if summary is None:
            raise SystemExit(f"no summary line in {out}")
        return int(summary.group(1))


def per_claim(small: int, large: int, drafts_only: bool) -> float:
    return (count(large, drafts_only) - count(small, drafts_only)) / (large - small)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--large", type=int, default=2300)
    parser.add_argument("--drafts-only", action="store_true", help="also count drafts alone")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.drafts_only)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH")

    figures: dict[str, float] = {}
    figures["instructions_per_claim"] = round(per_claim(args.small, args.large, False))
    print(f"draft to paid: {figures['instructions_per_claim']:,.0f} instructions per claim")
    if args.drafts_only:
        drafts = round(per_claim(args.small, args.large, True))
        figures["draft_instructions_per_claim"] = drafts
        rest = figures["instructions_per_claim"] - drafts
        figures["submit_to_paid_instructions_per_claim"] = rest
        print(f"draft alone: {drafts:,.0f}; submit to paid: {rest:,.0f}")

    sys.path.insert(0, str(HERE))
    import lifecycle

    figures["bytes_per_claim"] = round(lifecycle.bytes_per_claim(10_000))
    print(f"memory: {figures['bytes_per_claim']:,.0f} bytes per stored claim (10,000 claims)")
    print(json.dumps(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

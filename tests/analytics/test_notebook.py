"""examples/analytics.ipynb runs clean from top to bottom, on this interpreter."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent.parent / "examples" / "analytics.ipynb"


def test_the_analytics_notebook_runs_clean(tmp_path: Path) -> None:
    # A kernel spec of our own, so the kernel is this very interpreter (the venv's),
    # whatever `python` means on the PATH.
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "reimbursement", "language": "python"})
    )
    manager = KernelManager(
        kernel_name="python3",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]),
    )
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    # the kernel's whole environment: ours (PYTHONPATH too, so it imports this very
    # checkout of the library), plus the inline plotting backend
    client.execute(env={**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"})
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert manager.kernel_spec is not None
    assert manager.kernel_spec.argv[0] == sys.executable

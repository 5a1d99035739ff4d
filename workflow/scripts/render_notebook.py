"""Execute the walkthrough notebook on the workflow's outputs and export it as HTML.

jupytext turns ``notebooks/walkthrough.py`` (percent format, no outputs) into a notebook,
nbclient runs it with a python3 kernel of *this* interpreter in the working directory
(the repository root, so the notebook's relative paths resolve), and nbconvert writes HTML.
"""

import sys
from pathlib import Path

import jupytext
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from policy_windows import io

log = io.log_to(snakemake.log[0])
notebook = jupytext.read(snakemake.input.notebook)
notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}

kernel = KernelManager(kernel_name="python3")
kernel.kernel_spec.argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
log.info("executing %s with %s in %s", snakemake.input.notebook, sys.executable, Path.cwd())
client = NotebookClient(
    notebook,
    km=kernel,
    timeout=snakemake.params.timeout,
    kernel_name="python3",
    resources={"metadata": {"path": str(Path.cwd())}},
)
try:
    client.execute()
finally:
    if kernel.has_kernel:  # nbclient leaves a kernel it did not start running
        kernel.shutdown_kernel(now=False)

html, _ = HTMLExporter().from_notebook_node(notebook)
Path(snakemake.output[0]).write_text(html, encoding="utf-8")
log.info("wrote %s (%d characters)", snakemake.output[0], len(html))

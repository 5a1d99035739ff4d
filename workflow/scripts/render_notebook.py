"""Execute the walkthrough notebook on the workflow's outputs and export it as HTML.

jupytext turns ``notebooks/walkthrough.py`` (percent format, no outputs) into a notebook,
nbclient runs it with a python3 kernel of *this* interpreter in the working directory
(the repository root, so the notebook's relative paths resolve), and nbconvert writes HTML.

The page works offline and stays small enough for the Snakemake report to show it in its frame
(browsers refuse frames whose data: URL exceeds 2 MB): cells tagged ``remove_cell`` (the helper
code) are left out, no script is loaded from a CDN (no require.js, MathJax or Mermaid; the
notebook uses none of them), and figures are linked from ``results/figures/``, not embedded.
"""

import re
import sys
from pathlib import Path

import jupytext
from jinja2 import DictLoader
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from policy_windows import io

# JupyterLab's look without its external scripts: the blocks of nbconvert's "lab" template
# that load require.js, MathJax, Mermaid and the widget manager from CDNs are emptied.
OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{% block html_head_js %}{% endblock html_head_js %}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block html_head_js_mathjax %}{% endblock html_head_js_mathjax %}
{% block html_head_js_mermaidjs %}{% endblock html_head_js_mermaidjs %}
"""
EXTERNAL_RESOURCE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*['\"]?(?:https?:)?//", re.I)
# Chromium refuses to show a data: URL longer than 2 MiB in a frame; the report base64-encodes
# the page (4/3 larger), so the page must stay well below 1.5 MB.
MAX_PAGE_BYTES = 1_400_000


def html_export(notebook) -> str:
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"offline.html.j2": OFFLINE_TEMPLATE})],
        template_file="offline.html.j2",
        exclude_anchor_links=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove_cell"}, remove_input_tags={"remove_input"}), enabled=True
    )
    html, _ = exporter.from_notebook_node(notebook)
    return html


def check_page(html: str) -> None:
    """Fail the rule rather than write a page the report cannot show or that needs a network."""
    external = EXTERNAL_RESOURCE.search(html)
    if external:
        raise ValueError(f"the notebook page loads an external resource: {external.group(0)!r}")
    size = len(html.encode("utf-8"))
    if size > MAX_PAGE_BYTES:
        raise ValueError(
            f"the notebook page has {size:,} bytes; above {MAX_PAGE_BYTES:,} the Snakemake report cannot show it "
            "(embedded images? link figures with show_figure instead)"
        )


def main(snakemake) -> None:
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

    html = html_export(notebook)
    check_page(html)
    Path(snakemake.output[0]).write_text(html, encoding="utf-8")
    log.info("wrote %s (%d bytes)", snakemake.output[0], len(html.encode("utf-8")))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (Snakemake's script directive defines `snakemake`)

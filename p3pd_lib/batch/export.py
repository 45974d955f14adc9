"""From an executed notebook to what a reader gets: the HTML page (nbconvert), the .ipynb, the PDF.

nbconvert is used through its configuration only: the stock ``TemplateExporter``
with ``exclude_input``, the ``TagRemovePreprocessor`` for cells tagged
``remove_cell``, a ``markdown2html`` filter without heading links, and the kit's small template ``templates/laporan`` (found
through ``extra_template_basedirs``) that references, or with ``mandiri``
inlines, the shared CSS, plotly.js and figure script.
"""

from __future__ import annotations

import functools
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterable

from ..errors import KitError
from .outputs import asset_texts, plotly_js_path
from .plan import TEMPLATES_DIR

CHROMIUM = "/usr/bin/chromium"


@functools.lru_cache(maxsize=256)  # every report of a batch has the same markdown cells
def markdown2html(source: str) -> str:
    """Markdown cell to HTML with nbconvert's own renderer, without the "¶" heading links.

    >>> markdown2html("## Angka kunci")
    '<h2>Angka kunci</h2>\\n'
    """
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    return MarkdownWithMath(renderer=IPythonRenderer(escape=False, exclude_anchor_links=True)).render(source)


def html_exporter() -> Any:
    """The nbconvert exporter of the report pages: no code, no prompts, the kit's template ``laporan``.

    nbconvert's ``TemplateExporter`` (the base of ``HTMLExporter``), configured
    only. ``HTMLExporter`` itself is not used: in nbconvert 7.17 its
    ``from_notebook_node`` always re-parses and re-serialises the whole page with
    BeautifulSoup (to add alt text to images and tab stops to JupyterLab cells,
    neither of which a report has), which was 70 % of a report's export time.
    """
    from nbconvert import TemplateExporter
    from traitlets.config import Config

    cfg = Config({
        # The pygments CSS is never used (no code is shown).
        "CSSHTMLHeaderPreprocessor": {"enabled": False},
        # Cells tagged remove_cell (usage notes, the namespace snapshot) are for notebook readers only.
        "TagRemovePreprocessor": {"enabled": True, "remove_cell_tags": {"remove_cell"}},
    })
    return TemplateExporter(
        config=cfg,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        template_name="laporan",
        template_file="index.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        filters={"markdown2html": markdown2html},
        # Validate the notebook once after the preprocessors, not after each of them.
        optimistic_validation=True,
    )


@functools.lru_cache(maxsize=1)
def _inline_assets() -> dict[str, str]:
    """CSS, plotly.js and figure script as text safe inside a ``<style>``/``<script>`` element."""
    from ..render import FIGURE_SCRIPT

    texts = asset_texts()
    js = plotly_js_path().read_text(encoding="utf-8")
    return {"css": texts["laporan.css"].replace("</style", "<\\/style"),
            "plotly_js": js.replace("</script", "<\\/script"),
            "figure_js": texts[FIGURE_SCRIPT].replace("</script", "<\\/script")}


def export_html(exporter: Any, nb: Any, judul: str, aset: str, mandiri: bool = False) -> str:
    """The report page of an executed notebook.

    ``aset``: relative folder of the shared files; ``mandiri``: a single file
    with CSS, plotly.js and the figure script inlined (for a report sent on its own).
    """
    p3pd: dict[str, Any] = {"aset": aset, "judul": judul, "mandiri": mandiri}
    if mandiri:
        p3pd.update(_inline_assets())
    body, _ = exporter.from_notebook_node(nb, resources={"p3pd": p3pd, "metadata": {"name": judul}})
    return body


def notebook_json(nb: Any) -> str:
    """The notebook as .ipynb text (papermill has validated it on load)."""
    return json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def without_paths(text: str, roots: Iterable[tuple[str, str]]) -> str:
    """``text`` with each absolute folder replaced by its label, so no server path reaches an output.

    >>> without_paths("gagal membaca /srv/data/processed/x.parquet", [("/srv/data", "<data>")])
    'gagal membaca <data>/processed/x.parquet'
    """
    for path, label in sorted(roots, key=lambda r: -len(r[0])):
        if path and path != "/":
            text = text.replace(path, label)
    return text


def failing_cell(nb: Any) -> tuple[int | None, str]:
    """Index of the first cell with an error output, and a one-line summary of its source."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = next((ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")), "")
                return i, first[:120]
    return None, ""


def print_pdf(html_path: Path, pdf_path: Path, timeout: int = 120, chromium: str = CHROMIUM) -> None:
    """Print an HTML report to an A4 PDF with headless Debian Chromium (no network).

    The virtual-time budget lets the page's scripts draw every plot before printing.
    """
    if not Path(chromium).exists():
        raise KitError(f"Chromium tidak ditemukan di {chromium}; pasang paket Debian 'chromium' untuk --pdf.")
    with tempfile.TemporaryDirectory(prefix="p3pd-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={profile}", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
               "--virtual-time-budget=20000", f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise KitError(f"Chromium gagal mencetak PDF ({proc.returncode}): {' | '.join(tail)}")

"""The workshop session: the store loaded once per kernel, the kecamatan view, the notebook header."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from .. import analysis
from ..errors import ParameterError
from .answers import Exercise, Feedback, check_answer
from .exercises import EXERCISES
from .parameters import WorkshopParams, check_parameters


# --------------------------------------------------------------------------- the workshop session


@dataclass(frozen=True, eq=False)
class Workshop:
    """One notebook's session: parameters, the data, the kecamatan view and the exercises."""

    params: WorkshopParams
    dataset: Any
    view: analysis.KecamatanView
    manifest: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def kode_kecamatan(self) -> str:
        return self.view.kode_kecamatan

    @property
    def kode_kabupaten(self) -> str:
        return self.view.kode_kecamatan[:5]

    @property
    def tahun(self) -> int:
        return self.view.tahun

    @property
    def mode_jawaban(self) -> bool:
        return self.params.mode_jawaban

    @cached_property
    def _kabupaten(self) -> tuple[Any, analysis.Analysis]:
        return analysis.kabupaten_analysis(self.dataset, self.kode_kabupaten)

    @property
    def analisis_kabupaten(self) -> analysis.Analysis:
        """Every computed table of the kabupaten (the same the reports use)."""
        return self._kabupaten[1]

    @property
    def catalogue(self) -> pd.DataFrame:
        """The indicator catalogue the view was computed with."""
        return self.analisis_kabupaten.catalogue

    @cached_property
    def _exercises(self) -> dict[str, Exercise]:
        return {}

    def exercise(self, id: str) -> Exercise:
        """Exercise ``id`` (e.g. ``"02.1"``) with its answer computed from this session's data."""
        if id not in EXERCISES:
            raise ParameterError(f"Latihan '{id}' tidak dikenal. Latihan yang ada: {', '.join(EXERCISES)}.")
        if id not in self._exercises:
            self._exercises[id] = EXERCISES[id](self)
        return self._exercises[id]

    def question(self, id: str) -> str:
        """The question of exercise ``id`` (shown above the answer cell)."""
        ex = self.exercise(id)
        return f"Latihan {ex.id}. {ex.pertanyaan}"

    def check(self, id: str, jawaban: Any) -> Feedback:
        """Self-check of exercise ``id``: "Benar" or a hint (answer mode fills an empty answer)."""
        return check_answer(self.exercise(id), jawaban, self.mode_jawaban)


def setup(
    kode_kecamatan: str = "33.07.01",
    tahun: int = 2024,
    data_dir: str | os.PathLike[str] | None = None,
    mode_jawaban: bool = False,
    *,
    dataset: Any = None,
    manifest: pd.DataFrame | None = None,
) -> Workshop:
    """Validate the parameters, load the store (once per kernel) and build the kecamatan view.

    ``dataset``/``manifest`` give the data in memory instead (tests). Raises
    :class:`ParameterError` (Indonesian) for a code that is not a kecamatan, a
    kecamatan not in the data or a year without data.
    """
    from .. import demo, params, session

    p = check_parameters(kode_kecamatan=kode_kecamatan, tahun=tahun,
                         data_dir=None if data_dir in (None, "") else str(data_dir), mode_jawaban=mode_jawaban)
    if dataset is None:
        dataset = session.dataset(p.data_dir)
        if manifest is None:
            manifest = demo.read_manifest(p.data_dir)
    params.check_kecamatan_in(p.kode_kecamatan, dataset.wilayah["kode_kecamatan"].astype("string").dropna())
    view = analysis.kecamatan_view(dataset, p.kode_kecamatan, tahun=p.tahun)
    return Workshop(params=p, dataset=dataset, view=view, manifest=manifest)


def banner(ws: Workshop) -> str:
    """One line naming the kecamatan, the year and whether the data are simulated (markdown)."""
    i = ws.view.identitas
    sim = " — **DATA SIMULASI** (bukan data resmi)" if i.get("simulasi") else ""
    mode = " — *mode jawaban: kunci jawaban diisikan*" if ws.mode_jawaban else ""
    return (f"**Kecamatan {i['nama_kecamatan']}** ({i['kode_kecamatan']}), {i['nama_kabupaten']}, "
            f"{i['nama_provinsi']} — tahun {ws.tahun}: {i['n_desa']} desa, {i['n_kelurahan']} kelurahan{sim}{mode}")


#: Selectors of the report stylesheet that are safe inside JupyterLab (no page-wide rules).
_SAFE_SELECTORS = (":root", ".kartu", ".badge", "table.", "td.", ".lgd", ".legenda", "dl.", "header.identitas",
                   ".catatan", ".tabel-lebar")


def notebook_css(css: str | None = None) -> str:
    """The report stylesheet's table, card and traffic-light rules only (page-wide rules left out).

    >>> notebook_css("body { margin: 0 } td.kl-merah { background: red } @media print { td { x: y } }")
    'td.kl-merah { background: red }'
    """
    if css is None:
        from ..report import TEMPLATES_DIR

        css = (TEMPLATES_DIR / "laporan.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    keep, i, n = [], 0, len(css)
    while i < n:
        start = css.find("{", i)
        if start < 0:
            break
        selector = css[i:start].strip()
        depth, j = 1, start + 1
        while j < n and depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        body = css[start + 1: j - 1].strip()
        if not selector.startswith("@") and all(s.strip().startswith(_SAFE_SELECTORS) for s in selector.split(",")):
            keep.append(f"{selector} {{ {body} }}")
        i = j
    return "\n".join(keep)


#: The plotly renderer of the workshop notebooks (registered by :func:`offline_plotly`).
RENDERER = "p3pd_lokakarya"


def offline_plotly() -> str:
    """Make the notebook's figures draw offline, also in its exported HTML; returns the one
    ``<script>`` holding plotly.js for the notebook's first output.

    plotly's own choices fall short for a workshop without internet: its default mimetype
    is dropped by nbconvert (blank charts in the exported HTML), ``notebook_connected`` loads
    plotly.js from a CDN, and ``notebook`` inlines plotly.js again in every notebook that
    activates it late. So a renderer is registered through plotly's public renderer registry
    (``plotly.io.renderers[name] = …``, plotly ≥ 5): every figure carries plotly's JSON
    (JupyterLab draws it) and an HTML ``<div>`` without plotly.js (the exported HTML draws it
    with the single copy this function returns, shown by :func:`header` before any figure).
    """
    import plotly.io as pio
    from plotly.io.base_renderers import HtmlRenderer
    from plotly.offline import get_plotlyjs

    pio.renderers[RENDERER] = HtmlRenderer(include_plotlyjs=False, config={"displaylogo": False, "responsive": True})
    pio.renderers.default = f"plotly_mimetype+{RENDERER}"
    return f"<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script><script>{get_plotlyjs()}</script>"


def header(ws: Workshop) -> Any:
    """The notebook's heading block: plotly.js once (:func:`offline_plotly`), the report styles (scoped),
    the kecamatan, the year, DATA SIMULASI."""
    import html as _html

    from .. import render

    i = ws.view.identitas
    render.use_friendly_tables()  # every table below: names, Indonesian labels and numbers, no index
    badge = str(render.badge_simulasi()) if i.get("simulasi") else ""
    mode = "<p><i>Mode jawaban: latihan yang belum dijawab diisi kunci jawabannya.</i></p>" if ws.mode_jawaban else ""
    return render.Html(
        f"{offline_plotly()}<style>{notebook_css()}</style><div>{badge}<h3>Kecamatan {_html.escape(str(i['nama_kecamatan']))} "
        f"({_html.escape(ws.kode_kecamatan)}) — tahun {ws.tahun}</h3><p>{_html.escape(str(i['nama_kabupaten']))}, "
        f"{_html.escape(str(i['nama_provinsi']))}: {i['n_desa']} desa, {i['n_kelurahan']} kelurahan. "
        f"Tahun yang tersedia: {', '.join(map(str, ws.view.tahun_tersedia))}.</p>{mode}</div>"
    )

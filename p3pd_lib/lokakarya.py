"""Workshop (lokakarya) support: what the training notebooks call, and nothing else.

The notebooks under ``notebooks/pelatihan/`` teach with the kit's own
functions: each is prose plus a few calls to this module and to the modules the
reports use (:mod:`~p3pd_lib.analysis`, :mod:`~p3pd_lib.figures`, …). What the
teaching needs beyond the reports lives here, pure and tested:

- :func:`check_parameters` / :func:`setup` — the notebooks' parameters
  (``kode_kecamatan, tahun, data_dir, mode_jawaban``) validated with
  Indonesian messages, the store loaded once per kernel and the kecamatan view
  built (:class:`Workshop`);
- exercises: every expected answer is computed from the data by the library
  (:data:`EXERCISES`, :func:`answer_key`); :func:`check_answer` answers
  "Benar" or gives an Indonesian hint. In answer mode (``mode_jawaban=True``)
  an unanswered exercise is filled with its expected answer, so a trainer's
  copy (and the tests) show the key;
- teaching tables: where each number comes from (:func:`data_sources`), the
  wrong answer a mean of village percentages gives (:func:`mean_vs_ratio`),
  how many villages change colour when the bands move
  (:func:`band_change_summary`, :func:`band_slider`), reading APBDes codes
  (:func:`explain_kegiatan_code`), Dana Desa rules by year
  (:func:`rules_by_year`, :func:`judge_share_by_year`), the planted
  data-quality problems of the demo data (:func:`planted_problems`,
  :func:`match_planted`), and running a report with papermill
  (:func:`run_report`).

>>> check_parameters(kode_kecamatan="33.07.01", tahun=2024).kode_kecamatan
'33.07.01'
>>> check_answer(Exercise("x", "01", "Berapa?", "angka", 16), "16").benar
True
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from . import analysis, belanja, classify, indicators
from .errors import ParameterError
from .paths import DEFAULT_OUTPUT_DIR

# --------------------------------------------------------------------------- parameters

_KODE_KECAMATAN = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
_LEVEL_WORD = {0: "kode provinsi", 1: "kode kabupaten/kota", 2: "kode kecamatan", 3: "kode desa/kelurahan"}


class WorkshopParams(BaseModel):
    """The parameters of every workshop notebook (same names as their ``parameters`` cell)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Kemendagri code of the kecamatan, ``PP.KK.CC``.
    kode_kecamatan: str = "33.07.01"
    #: Fiscal year discussed.
    tahun: int = 2024
    #: Data folder (holding ``processed/``); ``None`` = the project's ``data/`` or ``P3PD_DATA_DIR``.
    data_dir: str | None = None
    #: Answer mode: unanswered exercises are filled with the expected answer (trainer copy, tests).
    mode_jawaban: bool = False

    @field_validator("kode_kecamatan")
    @classmethod
    def _kode(cls, v: str) -> str:
        v = v.strip()
        if not _KODE_KECAMATAN.fullmatch(v):
            hint = ""
            if re.fullmatch(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?", v):
                hint = f"; yang diberikan adalah {_LEVEL_WORD[v.count('.')]}"
            raise ValueError(f"'{v}' bukan kode kecamatan (format PP.KK.CC, mis. 33.07.01{hint})")
        return v

    @field_validator("tahun")
    @classmethod
    def _tahun(cls, v: int) -> int:
        if not 2000 <= v <= 2100:
            raise ValueError(f"tahun {v} di luar rentang yang masuk akal (2000–2100)")
        return v


_TYPE_WORDS = {
    "int_parsing": "harus bilangan bulat", "int_type": "harus bilangan bulat", "int_from_float": "harus bilangan bulat",
    "string_type": "harus teks", "bool_type": "harus True atau False", "bool_parsing": "harus True atau False",
}


def check_parameters(**values: Any) -> WorkshopParams:
    """Validate a workshop notebook's parameters; :class:`ParameterError` in Indonesian.

    >>> check_parameters(kode_kecamatan="33.07", tahun=2024)
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Parameter notebook pelatihan tidak valid: kode_kecamatan: '33.07' bukan kode kecamatan (format PP.KK.CC, mis. 33.07.01; yang diberikan adalah kode kabupaten/kota).
    >>> check_parameters(kode_kecamatan="33.07.01", warna="merah")
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Parameter tidak dikenal: warna. Parameter yang tersedia: kode_kecamatan, tahun, data_dir, mode_jawaban.
    """
    fields_ = list(WorkshopParams.model_fields)
    unknown = sorted(set(values) - set(fields_))
    if unknown:
        raise ParameterError(f"Parameter tidak dikenal: {', '.join(unknown)}. Parameter yang tersedia: {', '.join(fields_)}.")
    values = dict(values)
    if values.get("data_dir") == "":
        values["data_dir"] = None
    try:
        return WorkshopParams.model_validate(values)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            name = ".".join(str(p) for p in e.get("loc", ())) or "parameter"
            kind = e.get("type", "")
            if kind in _TYPE_WORDS:
                lines.append(f"{name}: {_TYPE_WORDS[kind]} (diberikan {e.get('input')!r})")
            elif kind == "value_error":
                lines.append(f"{name}: {(e.get('ctx') or {}).get('error', e.get('msg', ''))}")
            else:
                lines.append(f"{name}: nilai {e.get('input')!r} tidak valid")
        raise ParameterError("Parameter notebook pelatihan tidak valid: " + "; ".join(lines) + ".") from None


# --------------------------------------------------------------------------- exercises


@dataclass(frozen=True)
class Exercise:
    """One exercise with its expected answer (computed from the data, never typed in).

    ``jenis``: ``angka`` (a number; accepted within ``toleransi``), ``teks``
    (one of ``jawaban`` and ``alternatif``, case and spacing ignored) or
    ``himpunan`` (a set of codes or years; order ignored). ``jebakan`` maps a
    typical wrong answer to a specific hint (e.g. the mean of village
    percentages). ``desimal``: decimals shown in the answer key.
    """

    id: str
    notebook: str
    pertanyaan: str
    jenis: str
    jawaban: Any
    petunjuk: str = ""
    toleransi: float = 0.0
    alternatif: tuple[str, ...] = ()
    jebakan: tuple[tuple[float, str], ...] = ()
    desimal: int = 0

    def __post_init__(self) -> None:
        if self.jenis not in ("angka", "teks", "himpunan"):
            raise ParameterError(f"Jenis latihan '{self.jenis}' tidak dikenal (angka, teks, himpunan).")

    def jawaban_teks(self) -> str:
        """The expected answer as shown in the trainer guide (Indonesian number format).

        >>> Exercise("a", "02", "?", "angka", 18.1356, desimal=1).jawaban_teks()
        '18,1'
        >>> Exercise("b", "04", "?", "himpunan", {2024, 2023}).jawaban_teks()
        '2023, 2024'
        """
        if self.jenis == "angka":
            return _fmt_number(self.jawaban, self.desimal)
        if self.jenis == "himpunan":
            items = sorted(str(x) for x in self.jawaban)
            return ", ".join(items) if items else "(tidak ada)"
        return str(self.jawaban)


def _fmt_number(v: Any, desimal: int) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "(tidak ada data)"
    s = f"{float(v):,.{desimal}f}"
    return s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


@dataclass(frozen=True)
class Feedback:
    """The self-check's answer: ``benar`` True ("Benar"), False (a hint) or None (not answered)."""

    benar: bool | None
    pesan: str

    def __str__(self) -> str:
        return self.pesan

    def __repr__(self) -> str:
        return self.pesan

    def _repr_html_(self) -> str:
        import html

        colour = {True: "#2e7d32", False: "#c62828", None: "#616161"}[self.benar]
        return (f'<div style="border-left:5px solid {colour};padding:6px 10px;margin:4px 0;'
                f'background:#fafafa">{html.escape(self.pesan)}</div>')


def parse_number(value: Any) -> float | None:
    """A participant's number: ``18.1``, ``"18,1"``, ``"18,1 %"`` → 18.1; ``None`` if unreadable.

    >>> parse_number("18,1 %"), parse_number(12), parse_number("dua")
    (18.1, 12.0, None)
    """
    from .numbers import parse_value

    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).replace("%", "").replace("poin", "").strip()
    try:
        out = parse_value(text, "decimal")
    except ValueError:
        return None
    return None if out is None else float(out)


def _norm_text(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


_NOTHING = {"tidak ada", "-", "kosong", "(tidak ada)"}


def _as_items(value: Any) -> set[str]:
    if isinstance(value, str) and _norm_text(value) in _NOTHING:
        return set()
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,;\s]+", value) if p]
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        parts = [value]
    if len(parts) == 1 and _norm_text(parts[0]) in _NOTHING:
        return set()
    return {_norm_text(p) for p in parts}


def check_answer(exercise: Exercise, jawaban: Any, mode_jawaban: bool = False) -> Feedback:
    """Check a participant's answer: "Benar ✔" or a hint (Indonesian).

    ``jawaban`` ``None`` means not answered yet; with ``mode_jawaban`` the
    expected answer is filled in instead (the trainer's copy).

    >>> ex = Exercise("02.1", "02", "?", "angka", 18.1356, "Ingat Σ/Σ.", 0.051, jebakan=((17.8, "Itu rata-rata."),), desimal=1)
    >>> check_answer(ex, "18,1").pesan
    'Benar ✔ Latihan 02.1: 18,1.'
    >>> check_answer(ex, 17.8).pesan
    'Belum tepat ✘ Latihan 02.1: Itu rata-rata.'
    >>> check_answer(ex, None).benar is None
    True
    """
    if jawaban is None or jawaban is Ellipsis:
        if not mode_jawaban:
            return Feedback(None, f"Latihan {exercise.id} belum dijawab: ganti None dengan jawaban Anda, "
                                  f"lalu jalankan sel ini lagi. Petunjuk: {exercise.petunjuk}")
        return Feedback(True, f"Benar ✔ Latihan {exercise.id} (mode jawaban, kunci diisikan): {exercise.jawaban_teks()}.")
    ok = False
    hint = exercise.petunjuk
    if exercise.jenis == "angka":
        x = parse_number(jawaban)
        key = exercise.jawaban
        if x is None:
            hint = "Jawaban harus berupa angka, mis. 12,5. " + exercise.petunjuk
        elif key is None or (isinstance(key, float) and np.isnan(key)):
            ok = False
        else:
            ok = abs(x - float(key)) <= exercise.toleransi + 1e-9
            if not ok:
                for wrong, why in exercise.jebakan:
                    if abs(x - wrong) <= max(exercise.toleransi, 0.051):
                        hint = why
                        break
                else:
                    if abs(x - float(key) * 100) <= max(exercise.toleransi * 100, 0.5) or \
                            abs(x * 100 - float(key)) <= max(exercise.toleransi, 0.051):
                        hint = "Periksa satuannya: nilai dalam persen (0–100), bukan pecahan (0–1). " + exercise.petunjuk
    elif exercise.jenis == "teks":
        accepted = {_norm_text(exercise.jawaban), *(_norm_text(a) for a in exercise.alternatif)}
        ok = _norm_text(jawaban) in accepted
    else:
        got = _as_items(jawaban)
        want = {_norm_text(x) for x in exercise.jawaban}
        ok = got == want
        if not ok and got and got < want:
            hint = f"Sebagian benar, tetapi masih ada yang terlewat ({len(want) - len(got)} lagi). " + exercise.petunjuk
        elif not ok and got > want:
            hint = "Ada jawaban yang berlebih. " + exercise.petunjuk
    if ok:
        return Feedback(True, f"Benar ✔ Latihan {exercise.id}: {exercise.jawaban_teks()}.")
    return Feedback(False, f"Belum tepat ✘ Latihan {exercise.id}: {hint}")


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
    from . import demo, params, session

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
        from .report import TEMPLATES_DIR

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


def header(ws: Workshop) -> Any:
    """The notebook's heading block: the report styles (scoped), the kecamatan, the year, DATA SIMULASI."""
    import html as _html

    from . import render

    i = ws.view.identitas
    badge = str(render.badge_simulasi()) if i.get("simulasi") else ""
    mode = "<p><i>Mode jawaban: latihan yang belum dijawab diisi kunci jawabannya.</i></p>" if ws.mode_jawaban else ""
    return render.Html(
        f"<style>{notebook_css()}</style><div>{badge}<h3>Kecamatan {_html.escape(str(i['nama_kecamatan']))} "
        f"({_html.escape(ws.kode_kecamatan)}) — tahun {ws.tahun}</h3><p>{_html.escape(str(i['nama_kabupaten']))}, "
        f"{_html.escape(str(i['nama_provinsi']))}: {i['n_desa']} desa, {i['n_kelurahan']} kelurahan. "
        f"Tahun yang tersedia: {', '.join(map(str, ws.view.tahun_tersedia))}.</p>{mode}</div>"
    )


# --------------------------------------------------------------------------- 01: sectors and sources

#: Where each indicator's counts come from (DOMAIN.md §8) and who brings them to the kecamatan.
SUMBER_DATA: dict[str, tuple[str, str]] = {
    "KES01": ("e-PPGBM (pengukuran balita di posyandu)", "Puskesmas / UPT Kesehatan"),
    "KES02": ("Kohort imunisasi / ASIK Puskesmas", "Puskesmas / UPT Kesehatan"),
    "KES03": ("Kohort ibu (KIA) Puskesmas", "Puskesmas / UPT Kesehatan"),
    "KES04": ("Kohort ibu (KIA) Puskesmas", "Puskesmas / UPT Kesehatan"),
    "KES05": ("e-PPGBM / laporan penimbangan posyandu", "Puskesmas / UPT Kesehatan"),
    "KES06": ("Data kepesertaan JKN", "BPJS Kesehatan"),
    "PEND01": ("Dapodik (PAUD/TK) dan data RA Kemenag", "UPT Pendidikan"),
    "PEND02": ("Dapodik dicocokkan dengan data penduduk", "UPT Pendidikan"),
    "PEND03": ("Laporan kelas pengasuhan (BKB/posyandu)", "Kader desa / penyuluh KB"),
    "AIR01": ("e-Monev STBM", "Sanitarian Puskesmas"),
    "AIR02": ("e-Monev STBM", "Sanitarian Puskesmas"),
    "AIR03": ("e-Monev STBM", "Sanitarian Puskesmas"),
    "SOS01": ("DTSEN/DTKS, P3KE, SIKS-NG", "Dinas Sosial / TKSK / pendamping PKH"),
    "SOS02": ("Data kepesertaan JKN dan kohort ibu/baduta", "BPJS Kesehatan dan Puskesmas"),
    "ADM01": ("SIAK (Dukcapil)", "Dinas Dukcapil / layanan PATEN kecamatan"),
    "ADM02": ("SIAK (Dukcapil)", "Dinas Dukcapil / layanan PATEN kecamatan"),
    "ADM03": ("SIAK (Dukcapil)", "Dinas Dukcapil / layanan PATEN kecamatan"),
}
#: Other data the kit reads (DOMAIN.md §8).
SUMBER_LAIN: dict[str, tuple[str, str]] = {
    "APBDes (belanja desa)": ("Siskeudes", "Pemerintah desa / pendamping desa"),
    "Status desa (IDM, Indeks Desa)": ("Kemendesa", "Dinas PMD kabupaten"),
    "Usulan masyarakat": ("Berita acara musdus/musdes, RKPDes", "Pemerintah desa"),
}


def data_sources(catalogue: pd.DataFrame | indicators.Catalogue | None = None) -> pd.DataFrame:
    """One row per indicator: what is counted, the target with its source, and where the counts come from.

    Columns ``sektor, indikator, nama, pembilang, penyebut, target, sumber_target,
    sistem_data, dikirim_oleh``; the other data the kit reads follow with
    ``sektor`` = "Lainnya".

    >>> t = data_sources()
    >>> t.loc[t.indikator == "KES06", "dikirim_oleh"].item()
    'BPJS Kesehatan'
    """
    cat = indicators.catalogue_frame(catalogue if catalogue is not None else indicators.load_catalogue())
    src = cat["id"].map(lambda i: SUMBER_DATA.get(i, ("(belum dicatat)", "(belum dicatat)")))
    out = pd.DataFrame({
        "sektor": cat["label_sektor"].astype("string"),
        "indikator": cat["id"].astype("string"),
        "nama": cat["nama"].astype("string"),
        "pembilang": cat["pembilang"].astype("string"),
        "penyebut": cat["penyebut"].astype("string"),
        "target": cat["target"].astype("Float64"),
        "sumber_target": cat["sumber_target"].astype("string"),
        "sistem_data": src.map(lambda s: s[0]).astype("string"),
        "dikirim_oleh": src.map(lambda s: s[1]).astype("string"),
    })
    other = pd.DataFrame([
        {"sektor": "Lainnya", "indikator": "", "nama": k, "sistem_data": v[0], "dikirim_oleh": v[1]}
        for k, v in SUMBER_LAIN.items()
    ])
    return pd.concat([out, other], ignore_index=True).astype({"target": "Float64"})


def sector_overview(capaian: pd.DataFrame, capaian_wilayah: pd.DataFrame) -> pd.DataFrame:
    """The kecamatan at a glance per sector: desa values by colour and the kecamatan's own colours.

    ``capaian``: classified desa values (``sektor, kelas``); ``capaian_wilayah``:
    classified aggregates with ``tingkat``. Columns ``sektor, n_indikator,
    hijau, kuning, merah, abu`` (desa values) and ``kecamatan_merah``
    (indicators of the sector whose kecamatan Σ/Σ value is red), sorted by
    ``merah`` descending.

    >>> cap = pd.DataFrame({"sektor": ["KES", "KES", "PEND"], "indikator": ["KES01", "KES02", "PEND01"],
    ...                     "kelas": ["merah", "hijau", "merah"]})
    >>> wv = pd.DataFrame({"tingkat": ["kecamatan"], "sektor": ["KES"], "indikator": ["KES01"], "kelas": ["merah"]})
    >>> sector_overview(cap, wv)[["sektor", "merah", "kecamatan_merah"]].values.tolist()
    [['KES', 1, 1], ['PEND', 1, 0]]
    """
    counts = pd.crosstab(capaian["sektor"].astype("string"), capaian["kelas"].astype("string"))
    counts = counts.reindex(columns=list(classify.KELAS), fill_value=0)
    n_ind = capaian.groupby(capaian["sektor"].astype("string"))["indikator"].nunique().rename("n_indikator")
    kec = capaian_wilayah[capaian_wilayah["tingkat"] == "kecamatan"]
    kec_merah = kec[kec["kelas"] == "merah"].groupby(kec["sektor"].astype("string"))["indikator"].nunique()
    out = counts.join(n_ind).assign(kecamatan_merah=kec_merah.reindex(counts.index).fillna(0))
    out = out.reset_index().rename(columns={"index": "sektor", "row_0": "sektor"})
    out.columns.name = None
    out = out.rename(columns={out.columns[0]: "sektor"})
    ints = {c: "int64" for c in ("n_indikator", *classify.KELAS, "kecamatan_merah")}
    out = out.astype(ints)[["sektor", "n_indikator", *classify.KELAS, "kecamatan_merah"]]
    return out.sort_values(["merah", "sektor"], ascending=[False, True], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- 02: reading an indicator


def indicator_detail(capaian: pd.DataFrame, indikator: str) -> pd.DataFrame:
    """One indicator per desa: ``kode_desa, nama_desa, pembilang, penyebut, nilai, stabil, kelas, label_kelas``.

    >>> cap = pd.DataFrame({"kode_desa": ["a"], "nama_desa": ["A"], "indikator": ["KES01"], "pembilang": [3],
    ...     "penyebut": [40], "nilai": [7.5], "stabil": [True], "kelas": ["hijau"], "label_kelas": ["Tercapai"]})
    >>> indicator_detail(cap, "KES01")["nilai"].tolist()
    [7.5]
    """
    if indikator not in set(capaian["indikator"].astype(str)):
        raise ParameterError(f"Indikator '{indikator}' tidak ada dalam tabel capaian.")
    cols = ["kode_desa", "nama_desa", "pembilang", "penyebut", "nilai", "stabil", "kelas", "label_kelas"]
    rows = capaian[capaian["indikator"] == indikator]
    return rows[[c for c in cols if c in rows.columns]].reset_index(drop=True)


def mean_vs_ratio(capaian: pd.DataFrame, kode_desa: Iterable[str], catalogue: pd.DataFrame | indicators.Catalogue,
                  bands: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The kecamatan value done right (Σ/Σ) and wrong (mean of village percentages), per indicator.

    Both use the same villages: the official desa/kelurahan ``kode_desa`` whose
    row has both counts and a positive denominator (what
    :func:`indicators.aggregate` sums). Columns ``indikator, sektor,
    sigma_sigma, rata_rata_desa, selisih`` (mean − Σ/Σ, points),
    ``kelas_sigma, kelas_rata_rata`` (traffic light of each) and
    ``kelas_berbeda``; sorted by the absolute difference, largest first.

    >>> cap = pd.DataFrame({"kode_desa": ["a", "b"], "tahun": [2024, 2024], "indikator": ["KES01"] * 2,
    ...     "sektor": ["KES"] * 2, "pembilang": [1, 30], "penyebut": [10, 100], "nilai": [10.0, 30.0]})
    >>> r = mean_vs_ratio(cap, ["a", "b"], indicators.load_catalogue())
    >>> r[["sigma_sigma", "rata_rata_desa"]].round(2).values.tolist()
    [[28.18, 20.0]]
    """
    cat = indicators.catalogue_frame(catalogue)
    keep = set(map(str, kode_desa))
    pemb = pd.to_numeric(capaian["pembilang"], errors="coerce").astype("float64")
    peny = pd.to_numeric(capaian["penyebut"], errors="coerce").astype("float64")
    usable = capaian["kode_desa"].astype(str).isin(keep) & pemb.notna() & peny.notna() & (peny > 0) & (pemb >= 0)
    faktor = capaian["indikator"].map(cat.set_index("id")["faktor"]).astype("float64")
    work = pd.DataFrame({
        "indikator": capaian["indikator"].astype(str), "sektor": capaian["sektor"].astype(str),
        "tahun": capaian["tahun"], "p": pemb, "q": peny, "v": pemb * faktor / peny,
    })[usable.to_numpy(dtype=bool)]
    g = work.groupby(["indikator", "sektor", "tahun"], sort=False)
    out = g.agg(p=("p", "sum"), q=("q", "sum"), rata_rata_desa=("v", "mean"), n_desa=("v", "size")).reset_index()
    fk = out["indikator"].map(cat.set_index("id")["faktor"]).astype("float64")
    out["sigma_sigma"] = out["p"] * fk / out["q"]
    out["selisih"] = out["rata_rata_desa"] - out["sigma_sigma"]
    as_vals = lambda col: out[["indikator", "tahun"]].assign(nilai=out[col].astype("Float64"), stabil=True)  # noqa: E731
    out["kelas_sigma"] = classify.traffic_light(as_vals("sigma_sigma"), cat, bands)["kelas"].to_numpy()
    out["kelas_rata_rata"] = classify.traffic_light(as_vals("rata_rata_desa"), cat, bands)["kelas"].to_numpy()
    out["kelas_berbeda"] = out["kelas_sigma"] != out["kelas_rata_rata"]
    out = out.assign(_a=out["selisih"].abs()).sort_values(["_a", "indikator"], ascending=[False, True], kind="stable")
    return out[["indikator", "sektor", "tahun", "n_desa", "sigma_sigma", "rata_rata_desa", "selisih",
                "kelas_sigma", "kelas_rata_rata", "kelas_berbeda"]].reset_index(drop=True)


def mean_vs_ratio_all_years(ws: Workshop, only_colour_changes: bool = False) -> pd.DataFrame:
    """:func:`mean_vs_ratio` over every year of the kecamatan: where does the wrong answer change a colour?

    ``only_colour_changes`` keeps the rows whose colour differs between the two ways.
    """
    values = ws.analisis_kabupaten.values
    mask = values["kode_desa"].astype("string").str.startswith(ws.kode_kecamatan + ".").fillna(False)
    out = mean_vs_ratio(values[mask.to_numpy(dtype=bool)], ws.view.desa["kode_desa"], ws.catalogue)
    return out[out["kelas_berbeda"]].reset_index(drop=True) if only_colour_changes else out


def one_case_points(penyebut: float) -> float:
    """How many percentage points one person/household moves a value with this denominator.

    >>> one_case_points(8), one_case_points(200)
    (12.5, 0.5)
    """
    if penyebut is None or not penyebut > 0:
        raise ParameterError("Penyebut harus lebih besar dari 0.")
    return 100.0 / float(penyebut)


def small_denominators(capaian: pd.DataFrame) -> pd.DataFrame:
    """Values kept but classified grey because the denominator is too small (``stabil`` False).

    Columns ``kode_desa, nama_desa, indikator, pembilang, penyebut, nilai,
    satu_kasus`` (points one case moves the value).
    """
    stabil = capaian["stabil"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    has = capaian["nilai"].notna().to_numpy(dtype=bool)
    rows = capaian[~stabil & has]
    cols = [c for c in ("kode_desa", "nama_desa", "indikator", "pembilang", "penyebut", "nilai") if c in rows.columns]
    out = rows[cols].reset_index(drop=True)
    return out.assign(satu_kasus=100.0 / pd.to_numeric(out["penyebut"], errors="coerce").astype("float64"))


# --------------------------------------------------------------------------- 03: classes and bands


def band_rules(parameters: classify.ClassificationParameters | None = None) -> pd.DataFrame:
    """The classification rules in force, in words: ``aturan, isi, sumber``."""
    p = parameters or classify.load_parameters()
    b = p.bands
    idm = " < ".join(f"{lab} ≤ {cut:g}" for lab, cut in zip(p.idm_label, p.idm_batas)) + f" < {p.idm_label[-1]}"
    rows = [
        ("Hijau (Tercapai), arah naik", "nilai ≥ target", "usulan kit"),
        ("Kuning (Mendekati), arah naik", f"nilai ≥ target − {b.kuning_naik:g} poin", "usulan kit, dapat diubah"),
        ("Hijau (Tercapai), arah turun", "nilai ≤ target", "usulan kit"),
        ("Kuning (Mendekati), arah turun", f"nilai ≤ target + {b.kuning_turun:g} poin", "usulan kit, dapat diubah"),
        ("Merah (Belum tercapai)", "selain di atas", "usulan kit"),
        ("Abu-abu", "tidak ada data, atau penyebut terlalu kecil (tidak stabil)", "usulan kit"),
        ("Tanpa target", f"peringkat tersil dalam kecamatan (perlu ≥ {b.tersil_min_desa} desa berdata)", "usulan kit"),
        ("Status IDM", idm.replace(".", ","), p.idm_sumber),
    ]
    return pd.DataFrame(rows, columns=["aturan", "isi", "sumber"]).astype("string")


def colour_counts(capaian: pd.DataFrame) -> pd.DataFrame:
    """Number of values per colour (``kelas, label, jumlah``), in the order hijau, kuning, merah, abu.

    >>> colour_counts(pd.DataFrame({"kelas": ["merah", "merah", "hijau"]}))["jumlah"].tolist()
    [1, 0, 2, 0]
    """
    labels = {"hijau": "Hijau", "kuning": "Kuning", "merah": "Merah", "abu": "Abu-abu"}
    n = capaian["kelas"].astype("string").value_counts()
    return pd.DataFrame({"kelas": list(classify.KELAS), "label": [labels[k] for k in classify.KELAS],
                         "jumlah": [int(n.get(k, 0)) for k in classify.KELAS]})


@dataclass(frozen=True)
class BandChange:
    """What moving the yellow bands does to a table of values (see :func:`band_change_summary`)."""

    kuning_naik: float
    kuning_turun: float
    n_nilai: int
    n_berubah: int
    n_desa_berubah: int
    n_ke_lebih_baik: int
    n_ke_lebih_buruk: int
    sebelum: dict[str, int]
    sesudah: dict[str, int]

    @property
    def pesan(self) -> str:
        """The result in one Indonesian sentence."""
        return (f"Pita kuning naik {self.kuning_naik:g} poin, turun {self.kuning_turun:g} poin: "
                f"{self.n_berubah} dari {self.n_nilai} nilai berubah warna, di {self.n_desa_berubah} desa/kelurahan "
                f"({self.n_ke_lebih_baik} membaik, {self.n_ke_lebih_buruk} memburuk).")

    def table(self) -> pd.DataFrame:
        """Counts per colour before and after: ``kelas, sebelum, sesudah, selisih``."""
        return pd.DataFrame({
            "kelas": list(classify.KELAS),
            "sebelum": [self.sebelum.get(k, 0) for k in classify.KELAS],
            "sesudah": [self.sesudah.get(k, 0) for k in classify.KELAS],
        }).assign(selisih=lambda d: d["sesudah"] - d["sebelum"])


def band_change_summary(
    values: pd.DataFrame,
    catalogue: pd.DataFrame | indicators.Catalogue,
    kuning_naik: float,
    kuning_turun: float,
    baseline: classify.Bands | Mapping[str, Any] | None = None,
) -> BandChange:
    """How many values and villages change colour when the yellow bands become these (pure).

    ``values``: desa values (``kode_desa, tahun, indikator, nilai, stabil``);
    the baseline is ``klasifikasi.yaml`` unless given. Uses
    :func:`classify.threshold_sensitivity`, the same function the kit's
    sensitivity analysis uses.

    >>> v = pd.DataFrame({"kode_desa": ["a", "b"], "tahun": 2024, "indikator": "KES02",
    ...                   "nilai": [78.0, 85.0], "stabil": True})
    >>> r = band_change_summary(v, indicators.load_catalogue(), 15, 5)
    >>> r.n_berubah, r.n_desa_berubah, r.sesudah["kuning"]
    (1, 1, 2)
    """
    cols = [c for c in ("kode_desa", "tahun", "indikator", "nilai", "stabil") if c in values.columns]
    v = values[cols]
    scen = {"kuning_naik": float(kuning_naik), "kuning_turun": float(kuning_turun)}
    sens = classify.threshold_sensitivity(v, catalogue, {"skenario": scen}, baseline=baseline)
    total = sens[sens["indikator"] == "(semua)"].iloc[0]
    base_bands = classify.as_bands(baseline)
    before = classify.traffic_light(v, catalogue, base_bands)["kelas"].astype("string").value_counts()
    after_bands = classify.Bands(kuning_naik=float(kuning_naik), kuning_turun=float(kuning_turun),
                                 tersil_min_desa=base_bands.tersil_min_desa)
    after = classify.traffic_light(v, catalogue, after_bands)["kelas"].astype("string").value_counts()
    return BandChange(
        kuning_naik=float(kuning_naik), kuning_turun=float(kuning_turun), n_nilai=int(total["n_baris"]),
        n_berubah=int(total["n_berubah"]), n_desa_berubah=int(total["n_unit_berubah"]),
        n_ke_lebih_baik=int(total["n_ke_lebih_baik"]), n_ke_lebih_buruk=int(total["n_ke_lebih_buruk"]),
        sebelum={k: int(before.get(k, 0)) for k in classify.KELAS},
        sesudah={k: int(after.get(k, 0)) for k in classify.KELAS},
    )


def band_slider(values: pd.DataFrame, catalogue: pd.DataFrame | indicators.Catalogue,
                baseline: classify.Bands | None = None) -> Any:
    """Two sliders (yellow band up/down) and a live count of the values and villages that change colour.

    Returns an ``ipywidgets.VBox``; every slider move calls
    :func:`band_change_summary`. Headless runs just display it.
    """
    import html

    import ipywidgets as W

    b = baseline or classify.load_parameters().bands
    naik = W.IntSlider(value=int(b.kuning_naik), min=0, max=30, step=1, description="Pita naik",
                       continuous_update=False, style={"description_width": "90px"})
    turun = W.IntSlider(value=int(b.kuning_turun), min=0, max=20, step=1, description="Pita turun",
                        continuous_update=False, style={"description_width": "90px"})
    out = W.HTML()

    def update(_change: Any = None) -> None:
        r = band_change_summary(values, catalogue, naik.value, turun.value, baseline=b)
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{r.sebelum[k]}</td><td>{r.sesudah[k]}</td></tr>" for k in classify.KELAS
        )
        out.value = (f"<p><b>{html.escape(r.pesan)}</b></p><table><tr><th>kelas</th><th>pita bawaan "
                     f"({b.kuning_naik:g}/{b.kuning_turun:g})</th><th>pita baru</th></tr>{rows}</table>")

    naik.observe(update, "value")
    turun.observe(update, "value")
    update()
    box = W.VBox([W.HTML("<b>Geser pita kuning dan lihat berapa desa berubah warna</b>"), naik, turun, out])
    box.update = update  # type: ignore[attr-defined]  # tests move the sliders and read the text
    box.sliders = (naik, turun)  # type: ignore[attr-defined]
    box.hasil = out  # type: ignore[attr-defined]
    return box


def band_scenarios(values: pd.DataFrame, catalogue: pd.DataFrame | indicators.Catalogue,
                   scenarios: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per band scenario: values and villages that change colour (the ``(semua)`` rows of
    :func:`classify.threshold_sensitivity`).

    >>> v = pd.DataFrame({"kode_desa": ["a", "b"], "tahun": 2024, "indikator": "KES02",
    ...                   "nilai": [78.0, 85.0], "stabil": True})
    >>> band_scenarios(v, indicators.load_catalogue(), {"naik 15": {"kuning_naik": 15}})[["skenario", "n_berubah"]].values.tolist()
    [['naik 15', 1]]
    """
    cols = [c for c in ("kode_desa", "tahun", "indikator", "nilai", "stabil") if c in values.columns]
    sens = classify.threshold_sensitivity(values[cols], catalogue, dict(scenarios))
    return sens[sens["indikator"] == "(semua)"].drop(columns="indikator").reset_index(drop=True)


def idm_counts(status_desa: pd.DataFrame) -> pd.DataFrame:
    """Villages per IDM status: computed by the kit from the index vs the official label.

    >>> t = idm_counts(pd.DataFrame({"status_idm": ["Maju", "Maju"], "status_idm_resmi": ["Maju", "Mandiri"]}))
    >>> t.values.tolist()[-2:]
    [['Maju', 2, 1], ['Mandiri', 0, 1]]
    """
    labels = list(classify.load_parameters().idm_label)
    a = status_desa["status_idm"].astype("string").value_counts()
    b = status_desa["status_idm_resmi"].astype("string").value_counts()
    return pd.DataFrame({"status": labels, "dihitung": [int(a.get(s, 0)) for s in labels],
                         "resmi": [int(b.get(s, 0)) for s in labels]})


# --------------------------------------------------------------------------- 04: belanja desa

#: Bidang of the APBDes (Permendagri 20/2018).
BIDANG: dict[str, str] = {
    "01": "Penyelenggaraan Pemerintahan Desa",
    "02": "Pelaksanaan Pembangunan Desa",
    "03": "Pembinaan Kemasyarakatan",
    "04": "Pemberdayaan Masyarakat",
    "05": "Penanggulangan Bencana, Keadaan Darurat dan Mendesak",
}
#: Sub-bidang of the APBDes (Permendagri 20/2018, DOMAIN.md §3).
SUB_BIDANG: dict[str, str] = {
    "01.01": "Siltap, tunjangan dan operasional pemerintahan desa",
    "01.02": "Sarana dan prasarana pemerintahan desa",
    "01.03": "Administrasi kependudukan, pencatatan sipil, statistik dan kearsipan",
    "01.04": "Tata praja, perencanaan, keuangan dan pelaporan",
    "01.05": "Pertanahan",
    "02.01": "Pendidikan",
    "02.02": "Kesehatan",
    "02.03": "Pekerjaan umum dan penataan ruang",
    "02.04": "Kawasan permukiman",
    "02.05": "Kehutanan dan lingkungan hidup",
    "02.06": "Perhubungan, komunikasi dan informatika",
    "02.07": "Energi dan sumber daya mineral",
    "02.08": "Pariwisata",
    "03.01": "Ketenteraman, ketertiban dan pelindungan masyarakat",
    "03.02": "Kebudayaan dan keagamaan",
    "03.03": "Kepemudaan dan olahraga",
    "03.04": "Kelembagaan masyarakat",
    "04.01": "Kelautan dan perikanan",
    "04.02": "Pertanian dan peternakan",
    "04.03": "Peningkatan kapasitas aparatur desa",
    "04.04": "Pemberdayaan perempuan, perlindungan anak dan keluarga",
    "04.05": "Koperasi, usaha mikro kecil dan menengah",
    "04.06": "Dukungan penanaman modal (BUM Desa)",
    "04.07": "Perdagangan dan perindustrian",
    "05.01": "Penanggulangan bencana",
    "05.02": "Keadaan darurat",
    "05.03": "Keadaan mendesak",
}


def explain_kegiatan_code(kode_kegiatan: str, nama_kegiatan: str = "") -> dict[str, Any]:
    """Read one APBDes kegiatan code the way the kit does (:func:`belanja.map_apbdes` on one line).

    Returns ``kode`` (normalised ``BB.SS.KK``), ``bidang``, ``sub_bidang``,
    ``sektor`` (``None`` when not a basic service), ``label_sektor``,
    ``kelompok``, ``status_pemetaan`` and ``alasan``.

    >>> r = explain_kegiatan_code("02.04.06.")
    >>> r["kode"], r["sub_bidang"], r["sektor"]
    ('02.04.06', 'Kawasan permukiman', 'AIR')
    >>> explain_kegiatan_code("02.02.90", "Pembangunan jamban sehat")["sektor"]
    'AIR'
    """
    kode = belanja.normalize_kode_kegiatan(pd.Series([kode_kegiatan], dtype="string")).iloc[0]
    if kode is pd.NA or kode is None:
        raise ParameterError(f"'{kode_kegiatan}' bukan kode kegiatan APBDes (format BB.SS.KK, mis. 02.01.05).")
    line = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "kode_kegiatan": [kode],
                         "nama_kegiatan": [nama_kegiatan or None], "kode_rekening": ["5.2.1"], "anggaran": [1.0]})
    m = belanja.map_apbdes(line).iloc[0]
    sektor = None if pd.isna(m["sektor"]) else str(m["sektor"])
    return {
        "kode": str(kode),
        "bidang": BIDANG.get(str(kode)[:2], "(bidang tidak dikenal)"),
        "sub_bidang": SUB_BIDANG.get(str(kode)[:5], "(sub-bidang tidak dikenal)"),
        "sektor": sektor,
        "label_sektor": belanja.LABEL_SEKTOR.get(sektor, "bukan layanan dasar") if sektor else "bukan layanan dasar",
        "kelompok": belanja.LABEL_KELOMPOK.get(str(m["kelompok"]), str(m["kelompok"])),
        "status_pemetaan": str(m["status_pemetaan"]),
        "alasan": str(m["alasan_pemetaan"]),
    }


def explain_codes(codes: Sequence[str]) -> pd.DataFrame:
    """:func:`explain_kegiatan_code` for several codes, one row each."""
    return pd.DataFrame([explain_kegiatan_code(c) for c in codes])


def _bounds(lo: Any, hi: Any) -> str:
    lo_ok, hi_ok = pd.notna(lo), pd.notna(hi)
    f = lambda x: _fmt_number(x, 0) + " %"  # noqa: E731
    if lo_ok and hi_ok:
        return f"{_fmt_number(lo, 0)}–{f(hi)}"
    if lo_ok:
        return f"≥ {f(lo)}"
    if hi_ok:
        return f"≤ {f(hi)}"
    return "–"


def rules_by_year(rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """The fiscal rules as a table rule × year (``≥ 40 %``, ``10–25 %``, ``≤ 25 %``; ``–`` = no rule).

    >>> t = rules_by_year()
    >>> t.loc[t.aturan == "BLT", ["2022", "2023", "2024"]].values.tolist()
    [['≥ 40 %', '10–25 %', '≤ 25 %']]
    """
    r = belanja.load_dana_desa_rules() if rules is None else belanja.validate_dana_desa_rules(rules)
    r = r.assign(batas=[_bounds(lo, hi) for lo, hi in zip(r["batas_bawah"], r["batas_atas"])],
                 tahun=r["tahun"].astype(int).astype(str))
    wide = r.pivot_table(index=["aturan", "nama_aturan", "basis"], columns="tahun", values="batas",
                         aggfunc="first", observed=True).reset_index()
    wide.columns.name = None
    years = sorted(c for c in wide.columns if c.isdigit())
    wide = wide.fillna("–")
    order = {a: i for i, a in enumerate(dict.fromkeys(r["aturan"]))}
    return wide[["aturan", "nama_aturan", "basis", *years]].sort_values("aturan", key=lambda s: s.map(order)) \
        .reset_index(drop=True)


def judge_share_by_year(aturan: str, nilai: float, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """Does a share (percent) meet rule ``aturan`` in each year that has it? ``tahun, batas, patuh``.

    Bounds are inclusive, as in :func:`belanja.dana_desa_compliance`.

    >>> judge_share_by_year("BLT", 20).values.tolist()
    [[2022, '≥ 40 %', False], [2023, '10–25 %', True], [2024, '≤ 25 %', True], [2025, '≤ 15 %', False]]
    """
    r = belanja.load_dana_desa_rules() if rules is None else belanja.validate_dana_desa_rules(rules)
    r = r[r["aturan"] == aturan]
    if r.empty:
        known = ", ".join(dict.fromkeys(belanja.load_dana_desa_rules()["aturan"]))
        raise ParameterError(f"Aturan '{aturan}' tidak ada. Aturan yang ada: {known}.")
    lo = pd.to_numeric(r["batas_bawah"], errors="coerce").to_numpy(dtype="float64")
    hi = pd.to_numeric(r["batas_atas"], errors="coerce").to_numpy(dtype="float64")
    x = float(nilai)
    eps = 1e-9
    ok = (np.isnan(lo) | (x >= lo - eps)) & (np.isnan(hi) | (x <= hi + eps))
    return pd.DataFrame({
        "tahun": r["tahun"].astype(int).to_numpy(),
        "batas": [_bounds(a, b) for a, b in zip(r["batas_bawah"], r["batas_atas"])],
        "patuh": ok,
    }).sort_values("tahun").reset_index(drop=True)


def breaches_by_year(aturan_belanja: pd.DataFrame) -> pd.DataFrame:
    """Number of desa breaching each rule per year (``aturan`` × years; ``–`` where the year has no such rule).

    >>> a = pd.DataFrame({"kode_desa": ["a", "b", "a"], "tahun": [2024, 2024, 2023], "aturan": ["BLT"] * 3,
    ...                   "patuh": [False, True, pd.NA]})
    >>> breaches_by_year(a).values.tolist()
    [['BLT', '–', '1']]
    """
    a = aturan_belanja.assign(_langgar=aturan_belanja["patuh"].astype("boolean").eq(False).fillna(False),
                              _dinilai=aturan_belanja["patuh"].astype("boolean").notna(),
                              tahun=aturan_belanja["tahun"].astype(int).astype(str))
    g = a.groupby(["aturan", "tahun"], observed=True).agg(n=("_langgar", "sum"), d=("_dinilai", "sum")).reset_index()
    g["teks"] = np.where(g["d"] > 0, g["n"].astype(int).astype(str), "–")
    wide = g.pivot(index="aturan", columns="tahun", values="teks").fillna("–").reset_index()
    wide.columns.name = None
    return wide


def rule_rows(aturan_belanja: pd.DataFrame, aturan: str, tahun: int | None = None) -> pd.DataFrame:
    """The rows of one fiscal rule (e.g. ``PERSONEL``), optionally of one year.

    >>> a = pd.DataFrame({"aturan": ["BLT", "PERSONEL"], "tahun": [2024, 2024]})
    >>> len(rule_rows(a, "PERSONEL", 2024))
    1
    """
    mask = (aturan_belanja["aturan"] == aturan).fillna(False)
    if tahun is not None:
        mask &= (aturan_belanja["tahun"] == tahun).fillna(False)
    return aturan_belanja[mask.to_numpy(dtype=bool)].reset_index(drop=True)


def desa_budget_lines(ws: Workshop, kode_desa: str | None = None) -> pd.DataFrame:
    """The spending lines of one desa for the year, with the sector and group the kit gave them.

    Default desa: the first desa of the kecamatan. Columns ``kode_kegiatan,
    nama_kegiatan, sumber_dana, anggaran, sektor, kelompok, alasan_pemetaan``.
    """
    mapped = ws.analisis_kabupaten.mapped
    desa = ws.view.desa[ws.view.desa["jenis"] == "desa"]
    kode = kode_desa or str(desa["kode_desa"].iloc[0])
    m = mapped[(mapped["kode_desa"].astype("string") == kode).fillna(False).to_numpy(dtype=bool)
               & (mapped["tahun"] == ws.tahun).fillna(False).to_numpy(dtype=bool)
               & (mapped["jenis_baris"].astype("string") == "belanja").fillna(False).to_numpy(dtype=bool)]
    cols = ["kode_kegiatan", "nama_kegiatan", "sumber_dana", "anggaran", "sektor", "kelompok", "alasan_pemetaan"]
    # A handful of lines shown to people: plain text, not the kabupaten-wide categories of the mapped table.
    out = m[cols].astype({c: "string" for c in cols if c != "anggaran"})
    return out.sort_values(["kode_kegiatan"], kind="stable").reset_index(drop=True)


def kecamatan_share(belanja_desa: pd.DataFrame, indikator: str) -> float:
    """Σ numerator / Σ denominator × 100 of a spending indicator over the kecamatan's desa.

    >>> b = pd.DataFrame({"indikator": ["BEL01"] * 2, "pembilang": [10.0, 30.0], "penyebut": [100.0, 100.0]})
    >>> kecamatan_share(b, "BEL01")
    20.0
    """
    rows = belanja_desa[belanja_desa["indikator"] == indikator]
    num = pd.to_numeric(rows["pembilang"], errors="coerce").astype("float64")
    den = pd.to_numeric(rows["penyebut"], errors="coerce").astype("float64")
    ok = num.notna() & den.notna()
    d = float(den[ok].sum())
    return float(num[ok].sum()) / d * 100 if d > 0 else float("nan")


# --------------------------------------------------------------------------- 05: quadrant and agenda


def quadrant_counts(kuadran: pd.DataFrame) -> pd.DataFrame:
    """Villages per quadrant label (``label_kuadran, jumlah``), in the order of the agenda's priority.

    >>> quadrant_counts(pd.DataFrame({"label_kuadran": ["Pantau", "Pantau", "Pertahankan"]}))["jumlah"].tolist()
    [0, 0, 2, 1]
    """
    order = list(classify.KUADRAN_LABEL.values())
    order = [order[0], order[1], order[3], order[2]]  # prioritas, evaluasi, pantau, pertahankan
    n = kuadran["label_kuadran"].astype("string").value_counts()
    extra = [k for k in n.index if k not in order]
    labels = order + sorted(extra)
    return pd.DataFrame({"label_kuadran": labels, "jumlah": [int(n.get(k, 0)) for k in labels]})


def agenda_by_party(agenda: pd.DataFrame) -> pd.DataFrame:
    """Agenda rows per responsible party and kind: ``penanggung_jawab, jenis_agenda, jumlah`` (largest first)."""
    g = agenda.groupby([agenda["penanggung_jawab"].astype("string"), agenda["jenis_agenda"].astype("string")],
                       observed=True).size().rename("jumlah").reset_index()
    return g.sort_values(["jumlah", "penanggung_jawab"], ascending=[False, True], kind="stable").reset_index(drop=True)


def need_demand_counts(kebutuhan_usulan: pd.DataFrame) -> pd.DataFrame:
    """Desa–sector pairs per need–demand–supply class (``kelas, jumlah, penjelasan``)."""
    from . import usulan

    n = kebutuhan_usulan["kelas"].astype("string").value_counts() if len(kebutuhan_usulan) else pd.Series(dtype=int)
    return pd.DataFrame({"kelas": list(usulan.KELAS), "jumlah": [int(n.get(k, 0)) for k in usulan.KELAS],
                         "penjelasan": [usulan.PENJELASAN_KELAS.get(k, "") for k in usulan.KELAS]})


def unmet_needs(kebutuhan_usulan: pd.DataFrame) -> pd.DataFrame:
    """The desa–sector pairs that call for action: "Kebutuhan belum tersuarakan" and "Usulan belum terdanai"."""
    from . import usulan

    wanted = [usulan.BELUM_TERSUARAKAN, usulan.BELUM_TERDANAI]
    rows = kebutuhan_usulan[kebutuhan_usulan["kelas"].isin(wanted).fillna(False).to_numpy(dtype=bool)]
    cols = [c for c in ("kode_desa", "nama_desa", "sektor", "kelas", "n_merah", "n_kuning", "n_usulan", "n_didanai")
            if c in rows.columns]
    return rows[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- 06: data quality


def kabupaten_findings(ws: Workshop) -> pd.DataFrame:
    """Data-quality findings of the whole kabupaten of the workshop's kecamatan (all years)."""
    return ws.analisis_kabupaten.findings


def planted_problems(ws: Workshop) -> pd.DataFrame:
    """The problems planted in the demo data of the kabupaten (empty for real data)."""
    m = ws.manifest
    if m is None or m.empty:
        from .demo import MANIFEST_COLUMNS

        return pd.DataFrame({c: pd.Series(dtype="string") for c in MANIFEST_COLUMNS})
    mask = m["kode_desa"].astype("string").str.startswith(ws.kode_kabupaten + ".").fillna(False)
    return m[mask.to_numpy(dtype=bool)].reset_index(drop=True)


def match_planted(findings: pd.DataFrame, manifest: pd.DataFrame) -> pd.DataFrame:
    """Which planted problems the checks found: the manifest plus ``ditemukan`` and ``temuan``.

    A planted problem counts as found when a finding has the same rule and
    village (and the same year when both give one); ``temuan`` is that
    finding's message.

    >>> f = pd.DataFrame({"kode_desa": ["a"], "tahun": [2024], "aturan": ["baris_ganda"], "pesan": ["ganda"]})
    >>> m = pd.DataFrame({"aturan": ["baris_ganda", "pencilan"], "kode_desa": ["a", "b"], "tahun": [2024, 2025]})
    >>> match_planted(f, m)["ditemukan"].tolist()
    [True, False]
    """
    found, text = [], []
    fa = findings.assign(_k=findings["kode_desa"].astype("string"), _a=findings["aturan"].astype("string"))
    for row in manifest.itertuples(index=False):
        hit = fa[(fa["_a"] == row.aturan) & (fa["_k"] == row.kode_desa)]
        if len(hit) and pd.notna(row.tahun):
            same_year = hit[(hit["tahun"] == row.tahun).fillna(True).to_numpy(dtype=bool)]
            hit = same_year if len(same_year) else hit
        found.append(bool(len(hit)))
        text.append(str(hit["pesan"].iloc[0]) if len(hit) else "")
    return manifest.assign(ditemukan=found, temuan=pd.array(text, dtype="string"))


def finding_codes(findings: pd.DataFrame, aturan: str, prefix: str = "") -> set[str]:
    """The village codes of the findings of one rule (optionally under a region code prefix)."""
    rows = findings[findings["aturan"] == aturan]
    codes = rows["kode_desa"].astype("string").dropna()
    if prefix:
        codes = codes[codes.str.startswith(prefix + ".")]
    return set(codes.tolist())


# --------------------------------------------------------------------------- 07: report and dashboard


def report_parameters() -> pd.DataFrame:
    """The parameters of ``notebooks/laporan_kecamatan.ipynb`` as the kit validates them: ``parameter, bawaan``."""
    from .params import KecamatanReportParams

    rows = [(name, "(wajib)" if f.is_required() else repr(f.default)) for name, f in KecamatanReportParams.model_fields.items()]
    return pd.DataFrame(rows, columns=["parameter", "bawaan"])


@dataclass(frozen=True)
class ReportRun:
    """The result of :func:`run_report`: the executed notebook, its HTML page and how long it took."""

    ipynb: Path
    html: Path
    detik: float
    parameter: dict[str, Any]

    def _repr_html_(self) -> str:
        import html

        return (f"<p>Laporan selesai dalam {self.detik:.1f} detik.<br>Notebook hasil: <code>{html.escape(str(self.ipynb))}"
                f"</code><br>Halaman HTML: <code>{html.escape(str(self.html))}</code></p>")


#: Environment variable that moves the workshop's report folder (tests point it at a temporary folder).
OUTPUT_ENV = "P3PD_PELATIHAN_DIR"


def default_output_dir() -> Path:
    """Where the workshop's reports go: ``$P3PD_PELATIHAN_DIR`` or ``laporan/pelatihan/`` of the project."""
    env = os.environ.get(OUTPUT_ENV)
    return Path(env).expanduser().resolve() if env else DEFAULT_OUTPUT_DIR / "pelatihan"


def run_report(
    kode_kecamatan: str,
    tahun: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
    timeout: int = 600,
) -> ReportRun:
    """Run ``notebooks/laporan_kecamatan.ipynb`` for one kecamatan with papermill, then export its HTML.

    The same notebook the batch (``p3pd laporan``) runs, with the same
    parameters; papermill starts a fresh kernel, so this takes a few seconds.
    The HTML uses the report's template and the shared offline ``plotly.min.js``
    (written to ``<output_dir>/_aset``).
    """
    import nbformat
    import papermill as pm

    from . import report

    p = check_parameters(kode_kecamatan=kode_kecamatan, tahun=tahun if tahun is not None else 2000)
    out = Path(output_dir) if output_dir else default_output_dir()
    out.mkdir(parents=True, exist_ok=True)
    parameters: dict[str, Any] = {"kode_kecamatan": p.kode_kecamatan, "data_dir": str(data_dir) if data_dir else ""}
    if tahun is not None:
        parameters["tahun"] = int(tahun)
    ipynb = out / f"{p.kode_kecamatan}.ipynb"
    html_path = out / f"{p.kode_kecamatan}.html"
    t0 = time.perf_counter()
    # papermill warns about annotations it cannot parse (``int | None``) although it injects them fine,
    # and the new kernel logs a transport warning: noise in a workshop, so both are quietened.
    pm_log = logging.getLogger("papermill")
    level = pm_log.level
    pm_log.setLevel(logging.ERROR)
    try:
        pm.execute_notebook(str(report.NOTEBOOK_KECAMATAN), str(ipynb), parameters=parameters, progress_bar=False,
                            kernel_name="python3", execution_timeout=timeout, log_output=False,
                            cwd=str(report.NOTEBOOK_KECAMATAN.parent),
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    except pm.PapermillExecutionError as exc:
        raise ParameterError(f"Laporan kecamatan {p.kode_kecamatan} gagal di sel {exc.exec_count}: "
                             f"{exc.ename}: {exc.evalue}") from None
    finally:
        pm_log.setLevel(level)
    nb = nbformat.read(str(ipynb), as_version=4)
    report.write_assets(out)
    page = report.export_html(report.html_exporter(), nb, f"Laporan Kecamatan {p.kode_kecamatan}", aset=report.ASET_DIR)
    html_path.write_text(page, encoding="utf-8")
    return ReportRun(ipynb=ipynb, html=html_path, detik=time.perf_counter() - t0, parameter=parameters)


def dashboard_url(kode_kecamatan: str, tahun: int, host: str | None = None, port: int | None = None) -> str:
    """The dashboard address that opens one kecamatan and year.

    >>> dashboard_url("33.07.01", 2024)
    'http://127.0.0.1:8866/?kecamatan=33.07.01&tahun=2024'
    """
    from . import dashboard

    h = host or dashboard.DEFAULT_HOST
    pt = port or dashboard.DEFAULT_PORT
    return f"http://{h}:{pt}/?kecamatan={kode_kecamatan}&tahun={int(tahun)}"


def dashboard_preview(ws: Workshop) -> Any:
    """The dashboard itself (the same :class:`~p3pd_lib.dashboard.App` Voila shows), inside the notebook."""
    from .dashboard import App

    return App(ws.dataset, kecamatan=ws.kode_kecamatan, tahun=ws.tahun, data_dir=ws.params.data_dir).container


# --------------------------------------------------------------------------- the exercises

_Builder = Callable[[Workshop], Exercise]


def _ex01_1(ws: Workshop) -> Exercise:
    return Exercise("01.1", "01", "Berapa jumlah desa (tidak termasuk kelurahan) di kecamatan ini?", "angka",
                    int(ws.view.identitas["n_desa"]),
                    "Lihat identitas kecamatan atau tabel ws.view.desa (kolom jenis = desa).")


def _ex01_2(ws: Workshop) -> Exercise:
    o = sector_overview(ws.view.capaian, ws.view.capaian_wilayah)
    top = o[o["merah"] == o["merah"].max()]["sektor"].tolist()
    labels = indicators.catalogue_frame(ws.catalogue).drop_duplicates("sektor").set_index("sektor")["label_sektor"]
    alt = tuple(str(labels.get(s, s)) for s in top) + tuple(top[1:])
    return Exercise("01.2", "01", "Sektor mana yang paling banyak memiliki nilai merah (desa × indikator)? "
                    "Tulis kode sektornya (KES, PEND, AIR, SOS atau ADM).", "teks", top[0],
                    "Lihat kolom 'merah' pada tabel ringkasan sektor.", alternatif=alt)


def _ex01_3(ws: Workshop) -> Exercise:
    return Exercise("01.3", "01", "Siapa yang mengirim data kepesertaan JKN (KES06) ke kecamatan?", "teks",
                    SUMBER_DATA["KES06"][1], "Lihat kolom 'dikirim_oleh' pada tabel sumber data.",
                    alternatif=("BPJS",))


def _ex02_1(ws: Workshop) -> Exercise:
    kec = ws.view.capaian_wilayah
    v = kec[(kec["tingkat"] == "kecamatan") & (kec["indikator"] == "KES01")]["nilai"]
    value = float(v.iloc[0]) if len(v) and pd.notna(v.iloc[0]) else float("nan")
    mv = mean_vs_ratio(ws.view.capaian, ws.view.desa["kode_desa"], ws.catalogue)
    wrong = mv.loc[mv["indikator"] == "KES01", "rata_rata_desa"]
    trap = ((float(wrong.iloc[0]), "Itu rata-rata persentase desa, cara yang keliru. Jumlahkan dulu pembilang "
             "dan penyebut semua desa, baru dibagi."),) if len(wrong) else ()
    return Exercise("02.1", "02", "Berapa prevalensi stunting (KES01) kecamatan, dihitung Σ pembilang / Σ penyebut? "
                    "(persen, satu desimal)", "angka", value,
                    "Jumlahkan kolom pembilang dan penyebut tabel KES01 per desa, lalu bagi dan kalikan 100.",
                    toleransi=0.051, jebakan=trap, desimal=1)


def _ex02_2(ws: Workshop) -> Exercise:
    mv = mean_vs_ratio(ws.view.capaian, ws.view.desa["kode_desa"], ws.catalogue)
    top = mv.iloc[0]
    return Exercise("02.2", "02", "Pada indikator dengan selisih terbesar antara cara keliru dan Σ/Σ, berapa "
                    "selisihnya dalam poin persen (nilai mutlak, satu desimal)?", "angka",
                    abs(float(top["selisih"])), "Lihat baris teratas tabel perbandingan, kolom 'selisih'.",
                    toleransi=0.051, desimal=1)


def _ex02_3(ws: Workshop) -> Exercise:
    n = len(small_denominators(ws.view.capaian))
    return Exercise("02.3", "02", "Berapa nilai desa tahun ini yang ditandai tidak stabil (penyebut terlalu kecil)?",
                    "angka", n, "Hitung baris tabel penyebut kecil (kolom stabil = False tetapi nilai ada).")


def _ex02_4(ws: Workshop) -> Exercise:
    return Exercise("02.4", "02", "Sebuah desa punya 8 keluarga miskin ekstrem. Berapa poin persen cakupan bansosnya "
                    "berubah bila satu keluarga lagi menerima bansos?", "angka", one_case_points(8),
                    "Satu kasus = 100 / penyebut poin persen.", toleransi=0.051, desimal=1)


def _ex03_1(ws: Workshop) -> Exercise:
    n = int((ws.view.capaian["kelas"] == "merah").sum())
    return Exercise("03.1", "03", "Dengan pita bawaan, berapa nilai desa (desa × indikator) yang merah tahun ini?",
                    "angka", n, "Lihat tabel jumlah per warna.")


def _ex03_2(ws: Workshop) -> Exercise:
    b = classify.load_parameters().bands
    r = band_change_summary(ws.view.capaian, ws.catalogue, 15, b.kuning_turun)
    return Exercise("03.2", "03", "Jika pita kuning arah naik dilebarkan dari 10 menjadi 15 poin (pita turun tetap), "
                    "berapa desa/kelurahan berubah warna pada sedikitnya satu indikator?", "angka",
                    r.n_desa_berubah, "Geser penggeser 'Pita naik' ke 15 dan baca kalimat hasilnya.")


def _ex03_3(ws: Workshop) -> Exercise:
    s = str(classify.idm_status([0.7072]).iloc[0])
    return Exercise("03.3", "03", "Sebuah desa punya IDM tepat 0,7072. Apa status IDM-nya?", "teks", s,
                    "Nilai yang tepat pada batas masuk kelas yang lebih rendah (lihat tabel aturan).")


def _ex03_4(ws: Workshop) -> Exercise:
    n = int((ws.view.status_desa["status_idm"] == "Mandiri").sum())
    return Exercise("03.4", "03", "Berapa desa berstatus IDM Mandiri (dihitung dari nilai IDM) tahun ini?", "angka", n,
                    "Lihat tabel jumlah desa per status IDM, kolom 'dihitung'.")


def _ex04_1(ws: Workshop) -> Exercise:
    r = explain_kegiatan_code("02.04.06.")
    return Exercise("04.1", "04", "Siskeudes menulis kode kegiatan '02.04.06.'. Masuk sektor layanan dasar apa "
                    "menurut tabel pemetaan kit? (kode sektor)", "teks", r["sektor"] or "bukan layanan dasar",
                    "Gunakan lokakarya.explain_kegiatan_code('02.04.06.').",
                    alternatif=(r["label_sektor"],))


def _ex04_2(ws: Workshop) -> Exercise:
    a = ws.view.aturan_belanja
    a = a[(a["aturan"] == "PERSONEL") & (a["tahun"] == ws.tahun)]
    n = int(a["patuh"].astype("boolean").eq(False).fillna(False).sum())
    return Exercise("04.2", "04", "Berapa desa yang porsi siltap & tunjangannya melebihi 30 % belanja desa tahun ini?",
                    "angka", n, "Lihat tabel aturan belanja, aturan PERSONEL, kolom patuh = False.")


def _ex04_3(ws: Workshop) -> Exercise:
    t = judge_share_by_year("BLT", 20)
    years = {int(y) for y in t.loc[t["patuh"], "tahun"]}
    return Exercise("04.3", "04", "Sebuah desa memakai 20 % Dana Desa untuk BLT. Pada tahun berapa saja itu patuh "
                    "aturan? (tulis tahunnya, dipisah koma)", "himpunan", years,
                    "Bandingkan 20 % dengan batas BLT setiap tahun pada tabel aturan per tahun.")


def _ex04_4(ws: Workshop) -> Exercise:
    return Exercise("04.4", "04", "Berapa porsi belanja layanan dasar (BEL01) kecamatan, Σ/Σ seluruh desa? "
                    "(persen, satu desimal)", "angka", kecamatan_share(ws.view.belanja, "BEL01"),
                    "Jumlahkan pembilang dan penyebut BEL01 semua desa, lalu bagi.", toleransi=0.051, desimal=1)


def _ex05_1(ws: Workshop) -> Exercise:
    label = classify.KUADRAN_LABEL["prioritas"]
    n = int((ws.view.kuadran["label_kuadran"] == label).sum())
    return Exercise("05.1", "05", f"Berapa desa di kuadran '{label}'?", "angka", n,
                    "Lihat tabel jumlah desa per kuadran.")


def _ex05_2(ws: Workshop) -> Exercise:
    a = ws.view.agenda
    n = a["penanggung_jawab"].astype("string").value_counts()
    top = sorted(n[n == n.max()].index.tolist()) if len(n) else ["(tidak ada agenda)"]
    return Exercise("05.2", "05", "Pihak mana yang paling banyak mendapat baris agenda terpadu? (tulis persis seperti "
                    "di tabel)", "teks", top[0], "Lihat tabel jumlah baris agenda per penanggung jawab.",
                    alternatif=tuple(top[1:]))


def _ex05_3(ws: Workshop) -> Exercise:
    from . import usulan

    c = need_demand_counts(ws.view.kebutuhan_usulan)
    n = int(c.loc[c["kelas"] == usulan.BELUM_TERSUARAKAN, "jumlah"].iloc[0])
    return Exercise("05.3", "05", "Berapa pasangan desa–sektor berkelas 'Kebutuhan belum tersuarakan' tahun ini?",
                    "angka", n, "Lihat tabel jumlah per kelas kebutuhan–usulan–belanja.")


def _ex06_1(ws: Workshop) -> Exercise:
    f = kabupaten_findings(ws)
    return Exercise("06.1", "06", "Berapa temuan tingkat 'galat' di seluruh kabupaten (semua tahun)?", "angka",
                    int((f["tingkat"] == "galat").sum()), "Lihat ringkasan temuan per aturan, kolom tingkat = galat.")


def _ex06_2(ws: Workshop) -> Exercise:
    codes = finding_codes(kabupaten_findings(ws), "kode_tidak_resmi", ws.kode_kecamatan)
    return Exercise("06.2", "06", "Kode desa mana di kecamatan Anda yang tidak ada dalam daftar resmi Kemendagri? "
                    "(tulis 'tidak ada' bila tidak ada)", "himpunan", codes,
                    "Saring temuan dengan aturan kode_tidak_resmi.")


def _ex06_3(ws: Workshop) -> Exercise:
    codes = finding_codes(kabupaten_findings(ws), "baris_ganda")
    return Exercise("06.3", "06", "Desa mana di kabupaten yang datanya tercatat dua kali (baris ganda)? (kode desa)",
                    "himpunan", codes, "Saring temuan dengan aturan baris_ganda.")


def _ex06_4(ws: Workshop) -> Exercise:
    codes = finding_codes(kabupaten_findings(ws), "kelurahan_ber_apbdes")
    return Exercise("06.4", "06", "Kelurahan mana yang (keliru) memiliki baris APBDes? (kode)", "himpunan", codes,
                    "Saring temuan dengan aturan kelurahan_ber_apbdes; ingat digit pertama kode 1 = kelurahan.")


def _ex06_5(ws: Workshop) -> Exercise:
    m = match_planted(kabupaten_findings(ws), planted_problems(ws))
    return Exercise("06.5", "06", "Berapa dari masalah yang sengaja ditanam di data simulasi kabupaten ini yang "
                    "ditemukan oleh pemeriksaan otomatis?", "angka", int(m["ditemukan"].sum()),
                    "Lihat tabel pencocokan masalah tertanam, kolom ditemukan.")


def _ex07_1(ws: Workshop) -> Exercise:
    return Exercise("07.1", "07", "Berapa parameter yang dapat diatur pada notebook laporan kecamatan?", "angka",
                    len(report_parameters()), "Lihat tabel parameter notebook laporan.")


def _ex07_2(ws: Workshop) -> Exercise:
    url = dashboard_url(ws.kode_kecamatan, ws.tahun)
    return Exercise("07.2", "07", "Alamat dashboard apa yang langsung membuka kecamatan dan tahun ini? (salin "
                    "alamat lengkapnya)", "teks", url, "Bentuknya http://127.0.0.1:8866/?kecamatan=…&tahun=…",
                    alternatif=(url.replace("127.0.0.1", "localhost"),))


#: Every exercise by id ("NN.k": notebook NN, exercise k) → builder computing it from a :class:`Workshop`.
EXERCISES: dict[str, _Builder] = {
    "01.1": _ex01_1, "01.2": _ex01_2, "01.3": _ex01_3,
    "02.1": _ex02_1, "02.2": _ex02_2, "02.3": _ex02_3, "02.4": _ex02_4,
    "03.1": _ex03_1, "03.2": _ex03_2, "03.3": _ex03_3, "03.4": _ex03_4,
    "04.1": _ex04_1, "04.2": _ex04_2, "04.3": _ex04_3, "04.4": _ex04_4,
    "05.1": _ex05_1, "05.2": _ex05_2, "05.3": _ex05_3,
    "06.1": _ex06_1, "06.2": _ex06_2, "06.3": _ex06_3, "06.4": _ex06_4, "06.5": _ex06_5,
    "07.1": _ex07_1, "07.2": _ex07_2,
}


def answer_key(ws: Workshop, notebook: str | None = None) -> pd.DataFrame:
    """Every exercise (or one notebook's) with its expected answer: ``id, notebook, pertanyaan, jawaban``."""
    rows = []
    for id_ in EXERCISES:
        if notebook and not id_.startswith(notebook + "."):
            continue
        ex = ws.exercise(id_)
        rows.append((ex.id, ex.notebook, ex.pertanyaan, ex.jawaban_teks()))
    return pd.DataFrame(rows, columns=["id", "notebook", "pertanyaan", "jawaban"])


KEY_START = "<!-- kunci-jawaban:mulai -->"
KEY_END = "<!-- kunci-jawaban:selesai -->"


def answer_key_markdown(ws: Workshop) -> str:
    """The answer key as the markdown table of ``docs/panduan_pelatih.md`` (between its markers)."""
    key = answer_key(ws)
    lines = [KEY_START, "",
             f"Dihitung dengan `lokakarya.answer_key` untuk kecamatan {ws.kode_kecamatan}, tahun {ws.tahun} "
             f"(data simulasi bawaan, bibit {ws.dataset.meta.get('seed', '-')}).", "",
             "| Latihan | Pertanyaan | Jawaban |", "|---|---|---|"]
    for row in key.itertuples(index=False):
        q = str(row.pertanyaan).replace("|", "\\|")
        a = str(row.jawaban).replace("|", "\\|")
        lines.append(f"| {row.id} | {q} | **{a}** |")
    lines += ["", KEY_END]
    return "\n".join(lines)


def guide_answer_block(text: str) -> str:
    """The answer-key block of a trainer guide's text (between the markers), for the staleness test."""
    start, end = text.find(KEY_START), text.find(KEY_END)
    if start < 0 or end < 0:
        raise ParameterError("Panduan pelatih tidak memuat penanda kunci jawaban.")
    return text[start: end + len(KEY_END)]


__all__ = [
    "BIDANG", "EXERCISES", "SUB_BIDANG", "SUMBER_DATA", "BandChange", "Exercise", "Feedback", "ReportRun",
    "Workshop", "WorkshopParams", "agenda_by_party", "answer_key", "answer_key_markdown", "band_change_summary", "band_scenarios",
    "band_rules", "band_slider", "banner", "breaches_by_year", "check_answer", "check_parameters", "colour_counts",
    "dashboard_preview", "dashboard_url", "data_sources", "default_output_dir", "desa_budget_lines",
    "explain_codes", "explain_kegiatan_code", "finding_codes", "guide_answer_block", "header", "idm_counts",
    "indicator_detail", "judge_share_by_year", "kabupaten_findings", "kecamatan_share", "match_planted",
    "mean_vs_ratio", "mean_vs_ratio_all_years", "need_demand_counts", "notebook_css", "one_case_points", "parse_number",
    "planted_problems", "quadrant_counts", "report_parameters", "rule_rows", "rules_by_year", "run_report", "sector_overview",
    "setup", "small_denominators", "unmet_needs",
]

"""Bahan Musdes: one printable A4 page per desa for the village deliberation (musdes).

What the camat brings to each village, in plain Bahasa Indonesia with names,
values, targets and units: the desa's largest basic-service gaps (against the
target and against the kecamatan), the community proposals still unfunded and
the needs nobody voiced, the fiscal rules it breaches, where in the APBDes to
act (sub-bidang and example kegiatan) and who acts, the recommended IDM
activities when imported, and the trend since the first year of data.
Priorities are numbered within the desa (1, 2, 3…).

Public API (the batch ``--bahan-musdes`` option and the dashboard call these):

- :func:`bahan_musdes` — pure: a :class:`~p3pd_lib.analysis.KecamatanView` and a
  desa code in, a :class:`BahanMusdes` out (nothing read or written but the
  parameters);
- :func:`render_html` — a self-contained printable page (A4 portrait, readable in
  black and white: every class also has a word and a symbol);
- :func:`write_pdf` — print an HTML page to PDF with headless Chromium; :func:`pdf_bytes` — the
  same for a download button (no file left behind);
- :func:`write_kecamatan` — one HTML and one PDF per desa plus one combined PDF
  per kecamatan.

Typical use (``view`` from :func:`p3pd_lib.analysis.kecamatan_view`)::

    bahan = musdes.bahan_musdes(view, "33.07.01.2010")
    Path("lancar.html").write_text(musdes.render_html(bahan))
    musdes.write_kecamatan(view, "laporan/musdes/33.07.01")   # HTML + PDF per desa, combined PDF

The priorities come in this order, each kind numbered on from the previous one:

>>> list(JENIS_PRIORITAS)
['layanan', 'usulan', 'aturan']
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from . import labels
from .errors import KitError, ParameterError
from .numbers import format_angka, format_persen, format_poin, format_rupiah
from .parameter_files import load_agenda, read_yaml
from .paths import parameter_file

#: Headless Chromium used for printing (Debian package ``chromium``).
CHROMIUM = "/usr/bin/chromium"

#: Columns of :attr:`BahanMusdes.prioritas` (one numbered action per row).
KOLOM_PRIORITAS = (
    "nomor", "jenis", "sektor", "indikator", "apa", "fakta", "pembanding", "tren", "tanda", "sub_bidang", "kegiatan",
    "siapa",
)
#: The three kinds of priority, in the order they are numbered and printed.
JENIS_PRIORITAS = {
    "layanan": "Kesenjangan layanan dasar terbesar (paling jauh dari target lebih dulu)",
    "usulan": "Usulan masyarakat belum terdanai dan kebutuhan belum tersuarakan",
    "aturan": "Aturan belanja desa yang belum dipenuhi",
}
_KELAS_USULAN = ("Usulan belum terdanai", "Kebutuhan belum tersuarakan")
_CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-extensions", "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
)


@dataclass(frozen=True)
class BahanMusdes:
    """Everything one desa's page shows (built by :func:`bahan_musdes`).

    ``prioritas`` has the columns :data:`KOLOM_PRIORITAS`, numbered 1, 2, 3… within
    the desa: first the service gaps (largest first), then proposals and needs,
    then rule breaches. ``idm`` holds ``indikator, skor, kegiatan`` (empty unless
    an IDM list was given); ``tren`` is a sentence on the trend; ``status`` the
    desa's IDM / Indeks Desa status as text.
    """

    kode_desa: str
    nama_desa: str
    jenis: str
    tahun: int
    identitas: Mapping[str, Any]
    prioritas: pd.DataFrame
    idm: pd.DataFrame
    tren: str
    status: str
    catatan: tuple[str, ...] = field(default_factory=tuple)
    #: Inline SVG locator map marking the desa in its kecamatan ('' when no boundaries are stored).
    peta: str = ""

    @property
    def kepadatan(self) -> str:
        """CSS class of the page's density ('', 'padat', 'sangat-padat'): more rows, smaller type,
        so every desa fits one A4 page."""
        n = len(self.prioritas) + (len(self.idm) + 1) // 2
        return "" if n <= 6 else "padat" if n <= 8 else "sangat-padat" if n <= 11 else "paling-padat"

    @property
    def judul(self) -> str:
        """Page title, e.g. 'Bahan Musdes Desa Lancar — 2024'."""
        return f"Bahan Musdes {self.jenis.capitalize()} {self.nama_desa} — {self.tahun}"


@lru_cache(maxsize=4)
def _parameters(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data = read_yaml(f) or {}
    n = int(data.get("jumlah_kesenjangan", 5))
    if not 3 <= n <= 5:
        raise ParameterError(f"{path}: 'jumlah_kesenjangan' harus 3 sampai 5, tertulis {n}.")
    return data


def load_parameters(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """``parameters/musdes.yaml`` (example kegiatan per indicator, how many gaps) merged with
    ``parameters/agenda.yaml`` (sub-bidang and who acts per sector).

    >>> p = load_parameters()
    >>> 3 <= p["jumlah_kesenjangan"] <= 5, "KES" in p["penanggung_jawab"]
    (True, True)
    """
    data = dict(_parameters(str(path or parameter_file("musdes.yaml"))))
    agenda = load_agenda()  # the validated agenda.yaml the agenda terpadu reads, re-read when edited
    data["penanggung_jawab"] = dict(agenda.penanggung_jawab)
    data["sub_bidang_apbdes"] = dict(agenda.sub_bidang_apbdes)
    return data


def _text(v: Any) -> str:
    return "" if labels.is_missing(v) else str(v)


def _gap(nilai: float, target: float, arah: str) -> float:
    """How far a value is from its target in the bad direction (points; ≤ 0 means reached)."""
    return (nilai - target) if arah == "lower" else (target - nilai)


def _shortfall(nilai: float, target: float, arah: str) -> float:
    """Relative distance from the target, 0–1: one minus the indicator's score in the sector score
    (DOMAIN.md §5: min(1, value/target), or min(1, target/value) when lower is better), so that
    a stunting rate twice its target and a coverage half its target weigh alike.

    >>> round(_shortfall(25.9, 14, "lower"), 2), round(_shortfall(62.0, 100, "higher"), 2), _shortfall(0, 0, "lower")
    (0.46, 0.38, 0.0)
    """
    if arah == "lower":
        return 0.0 if nilai <= 0 else max(0.0, 1 - target / nilai)
    return 0.0 if target <= 0 else max(0.0, 1 - nilai / target)


def _target_text(target: Any, arah: str) -> str:
    return ("≤ " if arah == "lower" else "≥ ") + format_persen(target, 0 if float(target).is_integer() else 1)


def _trend_text(row: Mapping[str, Any] | None) -> str:
    if row is None or labels.is_missing(row.get("tren")):
        return "–"
    sym = labels.label("simbol_tren", row["tren"], "")
    return (f"{sym} {labels.label('tren', row['tren'])}: {_text(row.get('tahun_awal'))} "
            f"{format_persen(row.get('nilai_awal'))} → {_text(row.get('tahun_akhir'))} {format_persen(row.get('nilai_akhir'))}")


def _service_gaps(view: Any, kode_desa: str, param: Mapping[str, Any]) -> list[dict[str, Any]]:
    cap = view.capaian[view.capaian["kode_desa"] == kode_desa]
    cap = cap[cap["kelas"].isin(["merah", "kuning"]).fillna(False).to_numpy(dtype=bool)]
    if cap.empty:
        return []
    kec = view.capaian_wilayah
    kec = kec[kec["tingkat"] == "kecamatan"] if "tingkat" in kec.columns else kec.iloc[:0]
    kec_nilai = dict(zip(kec["indikator"].astype(str), kec["nilai"].tolist()))
    tren = view.tren_desa[view.tren_desa["kode_desa"] == kode_desa]
    tren_by = {str(r["indikator"]): r for r in tren.to_dict("records")}
    agenda = view.agenda[view.agenda["kode_desa"] == kode_desa] if not view.agenda.empty else view.agenda
    agenda_by = {str(r["indikator"]): r for r in agenda.to_dict("records")} if not agenda.empty else {}
    rows = []
    for r in cap.to_dict("records"):
        arah = _text(r.get("arah")) or "higher"
        nilai, target = r.get("nilai"), r.get("target")
        known = not (labels.is_missing(target) or labels.is_missing(nilai))
        gap = _gap(float(nilai), float(target), arah) if known else float("nan")
        rel = _shortfall(float(nilai), float(target), arah) if known else -1.0
        rows.append({**r, "_gap": gap, "_rel": rel, "_merah": r["kelas"] == "merah", "_arah": arah})
    # Red before yellow; within each, the largest relative distance from the target first.
    rows.sort(key=lambda r: (not r["_merah"], -r["_rel"], str(r["indikator"])))
    out = []
    for r in rows[: int(param["jumlah_kesenjangan"])]:
        ind, sektor, arah = str(r["indikator"]), _text(r.get("sektor")), r["_arah"]
        nama = _text(r.get("nama_indikator")) or labels.nama_indikator(ind)
        kv = kec_nilai.get(ind)
        jarak = r["_gap"]
        if labels.is_missing(kv) or labels.is_missing(r.get("nilai")):
            pembanding = "kecamatan: tidak ada data"
        else:
            d = _gap(float(r["nilai"]), float(kv), arah)
            posisi = ("lebih buruk " + format_poin(abs(d))) if d > 0.05 else (
                ("lebih baik " + format_poin(abs(d))) if d < -0.05 else "setara")
            pembanding = f"kecamatan {format_persen(kv)} (desa {posisi})"
        fakta = format_persen(r.get("nilai"))
        if not labels.is_missing(r.get("pembilang")) and not labels.is_missing(r.get("penyebut")):
            fakta += f" ({format_angka(r['pembilang'])} dari {format_angka(r['penyebut'])})"
        if labels.is_missing(r.get("target")):
            fakta += " · tanpa target resmi: dibanding desa lain di kecamatan"
        else:
            fakta += f" · target {_target_text(r.get('target'), arah)}"
            if _text(r.get("sumber_target")):
                fakta += f" ({r['sumber_target']})"
        if jarak == jarak:
            pembanding = f"Selisih {format_poin(jarak)} dari target · {pembanding}"
        ag = agenda_by.get(ind) or {}
        sub = _text(ag.get("sub_bidang_apbdes")) or _text(param["sub_bidang_apbdes"].get(sektor))
        siapa = _text(ag.get("penanggung_jawab")) or _text(param["penanggung_jawab"].get(sektor))
        kelas = str(r["kelas"])
        out.append({
            "jenis": "layanan", "sektor": labels.nama_sektor(sektor, singkat=True), "indikator": ind,
            "apa": f"{nama} ({ind})", "fakta": fakta, "pembanding": pembanding, "tren": _trend_text(tren_by.get(ind)),
            # The class's own label (e.g. "Sepertiga terbawah" under the tercile rule) with its symbol.
            "tanda": f"{labels.label('simbol_kelas', kelas)} {_text(r.get('label_kelas')) or labels.label('kelas', kelas)}",
            "sub_bidang": sub, "kegiatan": "; ".join((param.get("kegiatan") or {}).get(ind, [])[:1]),
            "siapa": f"Pemerintah desa; {siapa}" if siapa else "Pemerintah desa",
        })
    return out


def _proposal_items(view: Any, kode_desa: str, param: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One item per class: the sectors with unfunded proposals, then the sectors with unvoiced needs."""
    ku = view.kebutuhan_usulan
    if ku.empty:
        return []
    ku = ku[(ku["kode_desa"] == kode_desa) & ku["kelas"].isin(_KELAS_USULAN).fillna(False).to_numpy(dtype=bool)]
    usl = view.usulan[view.usulan["kode_desa"] == kode_desa] if not view.usulan.empty else view.usulan
    usl_by = {str(r["sektor"]): r for r in usl.to_dict("records")} if not usl.empty else {}
    agenda = view.agenda[view.agenda["kode_desa"] == kode_desa] if not view.agenda.empty else view.agenda
    ag_by = {str(r["indikator"]): r for r in agenda.to_dict("records")} if not agenda.empty else {}
    sektor_urut = {s: i for i, s in enumerate(("KES", "PEND", "AIR", "SOS", "ADM"))}
    out = []
    for kelas, kode, tanda in (("Usulan belum terdanai", "USL-DANA", "● Usulan belum terdanai"),
                               ("Kebutuhan belum tersuarakan", "USL-SUARA", "○ Kebutuhan belum tersuarakan")):
        rows = sorted((r for r in ku.to_dict("records") if r["kelas"] == kelas),
                      key=lambda r: (-int(r.get("n_merah") or 0), sektor_urut.get(str(r["sektor"]), 9)))
        if not rows:
            continue
        facts, subs = [], []
        for r in rows:
            s = str(r["sektor"])
            need = f"{format_angka(r.get('n_merah'))} belum tercapai, {format_angka(r.get('n_kuning'))} mendekati"
            if kode == "USL-DANA":
                u = usl_by.get(s) or {}
                n_belum = u.get("n_belum_didanai")
                n_belum = r.get("n_usulan") if labels.is_missing(n_belum) else n_belum
                biaya = u.get("nilai_usulan")
                rp = f", usulan senilai {format_rupiah(biaya)}" if not labels.is_missing(biaya) and float(biaya) > 0 else ""
                facts.append(f"{labels.nama_sektor(s, singkat=True)}: {format_angka(n_belum)} usulan belum didanai{rp} ({need})")
            else:
                facts.append(f"{labels.nama_sektor(s, singkat=True)}: {need}, tanpa usulan")
            sub = _text(param["sub_bidang_apbdes"].get(s))
            if sub and sub not in subs:
                subs.append(sub)
        ag = ag_by.get(kode) or {}
        if kode == "USL-DANA":
            apa = "Usulan masyarakat belum didanai APBDes"
            kegiatan = "Bahas usulan ini dalam penyusunan RAPBDes"
            siapa = _text(ag.get("penanggung_jawab")) or "Pemerintah desa dan BPD, didampingi Kasi PMD kecamatan"
        else:
            apa = f"Kebutuhan layanan dasar tanpa usulan masyarakat {view.tahun}"
            kegiatan = "Fasilitasi musyawarah dusun agar kebutuhan masuk usulan RKPDes"
            siapa = _text(ag.get("penanggung_jawab")) or "Pendamping desa (TPP) dan Kasi PMD kecamatan"
        out.append({
            "jenis": "usulan", "sektor": ", ".join(labels.nama_sektor(r["sektor"], singkat=True) for r in rows),
            "indikator": kode, "apa": apa, "fakta": "; ".join(facts) + ".", "pembanding": "", "tren": "",
            "tanda": tanda, "sub_bidang": "; ".join(subs), "kegiatan": kegiatan, "siapa": siapa,
        })
    return out


def _rule_items(view: Any, kode_desa: str, param: Mapping[str, Any]) -> list[dict[str, Any]]:
    at = view.aturan_belanja
    if at.empty:
        return []
    at = at[(at["kode_desa"] == kode_desa) & (at["tahun"] == view.tahun)]
    at = at[at["patuh"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)]
    out = []
    for r in at.to_dict("records"):
        nama = _text(r.get("nama_aturan")) or labels.nama_aturan(r["aturan"])
        batas = []
        if not labels.is_missing(r.get("batas_bawah")):
            batas.append(f"≥ {format_persen(r['batas_bawah'])}")
        if not labels.is_missing(r.get("batas_atas")):
            batas.append(f"≤ {format_persen(r['batas_atas'])}")
        dasar = "total belanja" if r.get("basis") == "total_belanja" else "pagu Dana Desa"
        fakta = f"{format_persen(r.get('nilai'))} dari {dasar}; batas {' dan '.join(batas) or '–'}"
        if _text(r.get("dasar_hukum")):
            fakta += f" ({r['dasar_hukum']})"
        if not labels.is_missing(r.get("jumlah")):
            fakta += f"; {format_rupiah(r['jumlah'])}"
        out.append({
            "jenis": "aturan", "sektor": labels.nama_sektor("ATURAN", singkat=True), "indikator": str(r["aturan"]),
            "apa": nama, "fakta": fakta, "pembanding": "", "tren": "", "tanda": "▲ Belum dipenuhi",
            "sub_bidang": _text(param["sub_bidang_apbdes"].get("ATURAN")) or "Penyesuaian RAPBDes",
            "kegiatan": "Sesuaikan alokasi dalam RAPBDes berikutnya",
            "siapa": _text(param["penanggung_jawab"].get("ATURAN")) or "Pemerintah desa",
        })
    return out


def _idm_items(idm_rumusan: pd.DataFrame | None, kode_desa: str, tahun: int, n: int) -> pd.DataFrame:
    cols = ["indikator", "skor", "kegiatan"]
    if idm_rumusan is None or idm_rumusan.empty:
        return pd.DataFrame(columns=cols)
    missing = {"kode_desa", "tahun", *cols} - set(idm_rumusan.columns)
    if missing:
        raise ParameterError(f"Tabel rumusan IDM kurang kolom: {', '.join(sorted(missing))}.")
    d = idm_rumusan[idm_rumusan["kode_desa"].astype(str) == kode_desa]
    years = pd.to_numeric(d["tahun"], errors="coerce")
    d = d[years <= tahun]
    if d.empty:
        return pd.DataFrame(columns=cols)
    d = d[pd.to_numeric(d["tahun"], errors="coerce") == pd.to_numeric(d["tahun"], errors="coerce").max()]
    d = d.assign(_s=pd.to_numeric(d["skor"], errors="coerce")).sort_values("_s", kind="stable", na_position="last")
    return d[cols].head(n).reset_index(drop=True)


def _trend_sentence(view: Any, kode_desa: str) -> str:
    t = view.tren_desa[view.tren_desa["kode_desa"] == kode_desa]
    if t.empty or t["tren"].isna().all():
        return "Tren belum dapat dihitung: data baru satu tahun."
    counts = t["tren"].value_counts()
    awal, akhir = t["tahun_awal"].dropna(), t["tahun_akhir"].dropna()
    span = f"{int(awal.min())}–{int(akhir.max())}" if len(awal) and len(akhir) else ""
    parts = [f"{labels.label('simbol_tren', k)} {int(counts.get(k, 0))} {labels.label('tren', k).lower()}"
             for k in ("membaik", "tetap", "memburuk")]
    worse = t[t["tren"] == "memburuk"]
    text = f"Tren {span}: {', '.join(parts)} (dari {len(t)} indikator)."
    if not worse.empty:
        names = [labels.nama_indikator(i) for i in worse["indikator"].astype(str)]
        text += " Memburuk: " + "; ".join(names[:4]) + ("…" if len(names) > 4 else "") + "."
    return text


def _status_text(view: Any, kode_desa: str) -> str:
    s = view.status_desa[view.status_desa["kode_desa"] == kode_desa] if not view.status_desa.empty else view.status_desa
    if s.empty:
        return "Status IDM: –"
    r = s.iloc[0]
    parts = []
    resmi = r.get("status_idm_resmi")
    idm = r.get("idm")
    if not labels.is_missing(resmi) or not labels.is_missing(idm):
        parts.append(f"Status IDM: {_text(resmi) or _text(r.get('status_idm')) or '–'}"
                     + ("" if labels.is_missing(idm) else f" (nilai {format_angka(idm, 4)})"))
    if not labels.is_missing(r.get("status_indeks_desa")):
        parts.append(f"Status Indeks Desa: {r['status_indeks_desa']}")
    return " · ".join(parts) or "Status IDM: –"


def bahan_musdes(view: Any, kode_desa: str, idm_rumusan: pd.DataFrame | None = None,
                 parameter: Mapping[str, Any] | None = None, boundaries: Any = None) -> BahanMusdes:
    """The Bahan Musdes of one desa of ``view`` (a :class:`~p3pd_lib.analysis.KecamatanView`).

    ``idm_rumusan``: optional table of recommended IDM activities
    (``kode_desa, tahun, indikator, skor, kegiatan``); the rows of the desa for the
    latest year up to the view's year are shown, lowest scores first.
    ``parameter``: :func:`load_parameters` (read from ``parameters/`` when omitted).
    ``boundaries``: the kecamatan's desa polygons (:func:`p3pd_lib.peta.desa_boundaries`); when they
    hold the desa, the page carries a small locator map marking it.
    Raises :class:`~p3pd_lib.errors.ParameterError` (Indonesian) for a code that is
    not a desa or kelurahan of the kecamatan. Nothing is read or written but the parameters.
    """
    param = dict(parameter or load_parameters())
    kode = str(kode_desa).strip()
    desa = view.desa[view.desa["kode_desa"] == kode]
    if desa.empty:
        raise ParameterError(
            f"Kode desa '{kode}' tidak ada di Kecamatan {view.identitas.get('nama_kecamatan', '')} "
            f"({view.kode_kecamatan}). Pilih salah satu desa kecamatan ini."
        )
    nama, jenis = str(desa["nama_desa"].iloc[0]), str(desa["jenis"].iloc[0]) if "jenis" in desa.columns else "desa"
    items = _service_gaps(view, kode, param)
    catatan: list[str] = []
    if jenis == "kelurahan":
        catatan.append("Kelurahan tidak memiliki APBDes: usulan dan aturan belanja tidak berlaku; "
                       "kesenjangan dibahas bersama kecamatan dan OPD.")
    else:
        items += _proposal_items(view, kode, param) + _rule_items(view, kode, param)
    if not any(i["jenis"] == "layanan" for i in items):
        catatan.append(f"Tidak ada indikator layanan dasar yang di bawah target tahun {view.tahun}.")
    prioritas = pd.DataFrame(items, columns=[c for c in KOLOM_PRIORITAS if c != "nomor"])
    prioritas.insert(0, "nomor", range(1, len(prioritas) + 1))
    return BahanMusdes(
        kode_desa=kode, nama_desa=nama, jenis=jenis, tahun=int(view.tahun), identitas=dict(view.identitas),
        prioritas=prioritas, idm=_idm_items(idm_rumusan, kode, int(view.tahun), int(param.get("jumlah_kegiatan_idm", 4))),
        tren=_trend_sentence(view, kode), status=_status_text(view, kode), catatan=tuple(catatan),
        peta=_locator(boundaries, kode),
    )


def _locator(boundaries: Any, kode: str) -> str:
    if boundaries is None or len(boundaries) == 0:
        return ""
    from .peta.svg import locator_svg

    return locator_svg(boundaries, kode)


# --- HTML and PDF ----------------------------------------------------------------------------------


def _environment() -> Any:
    import jinja2

    folder = Path(__file__).with_name("templates")
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)


def render_html(bahan: BahanMusdes | Iterable[BahanMusdes]) -> str:
    """A self-contained printable HTML page (CSS inlined, no script) of one desa, or several desa
    one per A4 page.

    """
    pages = [bahan] if isinstance(bahan, BahanMusdes) else list(bahan)
    if not pages:
        raise ParameterError("Tidak ada desa untuk dicetak.")
    env = _environment()
    css = (Path(__file__).with_name("templates") / "bahan_musdes.css").read_text(encoding="utf-8")
    groups = []
    for b in pages:
        rows = b.prioritas.to_dict("records")
        groups.append({
            "bahan": b,
            "bagian": [(judul, [r for r in rows if r["jenis"] == jenis]) for jenis, judul in JENIS_PRIORITAS.items()],
            "idm": b.idm.assign(skor=[format_angka(v, 2) for v in b.idm["skor"]]).to_dict("records") if len(b.idm) else [],
        })
    title = pages[0].judul if len(pages) == 1 else f"Bahan Musdes Kecamatan {pages[0].identitas.get('nama_kecamatan', '')}"
    return env.get_template("bahan_musdes.html.j2").render(title=title, css=css, halaman=groups)


def write_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], timeout: int = 120,
              chromium: str = CHROMIUM) -> Path:
    """Print an HTML page to an A4 PDF with headless Chromium (no network); returns ``pdf_path``.

    Raises :class:`~p3pd_lib.errors.KitError` (Indonesian) when Chromium is missing or fails.
    """
    src, out = Path(html_path).resolve(), Path(pdf_path)
    if not Path(chromium).exists():
        raise KitError(f"Chromium tidak ditemukan di {chromium}; pasang paket Debian 'chromium' untuk mencetak PDF.")
    if not src.exists():
        raise KitError(f"Berkas HTML tidak ditemukan: {src}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp{os.getpid()}.pdf")
    with tempfile.TemporaryDirectory(prefix="p3pd-chromium-") as profile:
        cmd = [chromium, *_CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", src.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            tmp.unlink(missing_ok=True)
            raise KitError(f"Chromium tidak selesai mencetak {src.name} dalam {timeout} detik.") from exc
    if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise KitError(f"Chromium gagal mencetak PDF {src.name} ({proc.returncode}): {' | '.join(tail)}")
    os.replace(tmp, out)
    return out


def pdf_bytes(bahan: BahanMusdes | Iterable[BahanMusdes], timeout: int = 120) -> bytes:
    """The printed PDF of one desa (or several, one A4 page each) as bytes, e.g. for a download
    button in the dashboard; works in a temporary folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="p3pd-musdes-") as tmp:
        page = Path(tmp) / "bahan_musdes.html"
        _write_text(page, render_html(bahan))
        return write_pdf(page, Path(tmp) / "bahan_musdes.pdf", timeout=timeout).read_bytes()


def merge_pdfs(paths: Iterable[str | os.PathLike[str]], out_path: str | os.PathLike[str]) -> Path:
    """Join PDFs in order into one file (pypdf), written atomically."""
    from pypdf import PdfWriter

    out = Path(out_path)
    writer = PdfWriter()
    for p in paths:
        writer.append(str(p))
    tmp = out.with_name(f".{out.stem}.tmp{os.getpid()}.pdf")
    try:
        with open(tmp, "wb") as f:
            writer.write(f)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        writer.close()
    return out


@dataclass(frozen=True)
class HasilMusdes:
    """Files written by :func:`write_kecamatan`: per desa code its HTML and PDF, and the combined PDF."""

    html: dict[str, Path]
    pdf: dict[str, Path]
    gabungan: Path | None


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_kecamatan(view: Any, out_dir: str | os.PathLike[str], idm_rumusan: pd.DataFrame | None = None,
                    pdf: bool = True, desa: Iterable[str] | None = None, boundaries: Any = None) -> HasilMusdes:
    """Write one Bahan Musdes page per desa (``<kode_desa>.html`` and ``.pdf``) and the kecamatan's
    combined PDF (``bahan_musdes_<kode_kecamatan>.pdf``, one A4 page per desa) into ``out_dir``.

    ``desa``: only these desa codes (default: every desa and kelurahan of the view,
    by code); ``pdf=False`` writes the HTML only; ``boundaries``: the kecamatan's desa polygons
    (each page then marks its desa on a small map).
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    param = load_parameters()
    codes = list(desa) if desa is not None else sorted(view.desa["kode_desa"].astype(str))
    html_paths: dict[str, Path] = {}
    pdf_paths: dict[str, Path] = {}
    for kode in codes:
        b = bahan_musdes(view, kode, idm_rumusan, param, boundaries=boundaries)
        html_paths[kode] = folder / f"bahan_musdes_{kode}.html"
        _write_text(html_paths[kode], render_html(b))
        if pdf:
            pdf_paths[kode] = write_pdf(html_paths[kode], folder / f"bahan_musdes_{kode}.pdf")
    gabungan = None
    if pdf and pdf_paths:
        gabungan = merge_pdfs([pdf_paths[k] for k in codes], folder / f"bahan_musdes_{view.kode_kecamatan}.pdf")
    return HasilMusdes(html_paths, pdf_paths, gabungan)

"""Teaching tables of notebook 04: APBDes codes and the Dana Desa rules by year."""

from __future__ import annotations

from typing import Any, Sequence, TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import belanja
from ..errors import ParameterError
from .answers import fmt_number

if TYPE_CHECKING:  # only for annotations: the workshop module imports this one
    from .workshop import Workshop


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
    f = lambda x: fmt_number(x, 0) + " %"  # noqa: E731
    if lo_ok and hi_ok:
        return f"{fmt_number(lo, 0)}–{f(hi)}"
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

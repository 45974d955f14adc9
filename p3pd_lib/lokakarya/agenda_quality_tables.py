"""Teaching tables of notebooks 05-06: quadrant, agenda and the planted data-quality problems."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .. import classify

if TYPE_CHECKING:  # only for annotations: the workshop module imports this one
    from .workshop import Workshop


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
    from .. import usulan

    n = kebutuhan_usulan["kelas"].astype("string").value_counts() if len(kebutuhan_usulan) else pd.Series(dtype=int)
    return pd.DataFrame({"kelas": list(usulan.KELAS), "jumlah": [int(n.get(k, 0)) for k in usulan.KELAS],
                         "penjelasan": [usulan.PENJELASAN_KELAS.get(k, "") for k in usulan.KELAS]})


def unmet_needs(kebutuhan_usulan: pd.DataFrame) -> pd.DataFrame:
    """The desa–sector pairs that call for action: "Kebutuhan belum tersuarakan" and "Usulan belum terdanai"."""
    from .. import usulan

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
        from ..demo import MANIFEST_COLUMNS

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

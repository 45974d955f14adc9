"""Agenda terpadu: who acts on which gap (DOMAIN.md §7).

Each red indicator of a desa becomes a row naming the responsible party and the APBDes sub-bidang that could fund the
response; each breached spending rule a row for the Kasi PMD and the village government. Order: the desa's quadrant
first ("Prioritas: realokasi belanja" before the others), then the gap relative to the target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from . import parameter_files
from .frames import require_columns

AGENDA_COLUMNS = ["prioritas", "kode_desa", "nama_desa", "tahun", "jenis_agenda", "sektor", "indikator",
                  "nama_indikator", "nilai", "target", "sumber_target", "kesenjangan", "kuadran", "penanggung_jawab",
                  "sub_bidang_apbdes", "keterangan"]
_REQUIRED = ("kode_desa", "tahun", "sektor", "indikator", "nilai", "target", "arah", "kelas")


def load_agenda_parameters(path: str | Path | None = None) -> dict[str, Any]:
    """Responsible parties, suggested sub-bidang and priority order (``parameters/agenda.yaml``), validated.

    >>> load_agenda_parameters()["kelas_masuk_agenda"]
    ['merah']
    """
    return parameter_files.load_agenda(path).model_dump()


def _text(df: pd.DataFrame, column: str, default: Any = pd.NA) -> Any:
    """``df[column]`` as text, ``default`` when the optional column is absent."""
    return df[column].astype("string") if column in df else default


def agenda_terpadu(classified: pd.DataFrame, quadrants: pd.DataFrame | None = None, rules: pd.DataFrame | None = None,
                   extra_rows: pd.DataFrame | None = None, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The agenda terpadu (``AGENDA_COLUMNS``): one row per gap, ordered by priority. Inputs are not modified.

    ``classified``: classified desa values (``kode_desa, tahun, sektor, indikator, nilai, target, arah, kelas``;
    optional ``nama_desa, nama_indikator, sumber_target``); ``quadrants``: ``kode_desa, label_kuadran``; ``rules``:
    spending-rule checks (``kode_desa, tahun, aturan, nilai, patuh, pesan``), a row per ``patuh == False``;
    ``extra_rows``: rows already in agenda shape (e.g. community proposals).

    >>> cl = pd.DataFrame({"kode_desa": ["a", "b"], "nama_desa": ["A", "B"], "tahun": [2024, 2024],
    ...     "sektor": ["KES", "PEND"], "indikator": ["KES01", "PEND01"], "nama_indikator": ["Stunting", "PAUD"],
    ...     "nilai": [30.0, 50.0], "target": [14.0, 100.0], "sumber_target": ["RPJMN", "SPM"],
    ...     "arah": ["lower", "higher"], "kelas": ["merah", "merah"]})
    >>> agenda_terpadu(cl)[["prioritas", "indikator", "kesenjangan"]].values.tolist()
    [[1, 'KES01', 16.0], [2, 'PEND01', 50.0]]
    """
    require_columns(classified, _REQUIRED, "Tabel capaian")
    p = dict(params or load_agenda_parameters())

    red = classified[classified["kelas"].isin(p["kelas_masuk_agenda"])]
    nilai, target = red["nilai"].astype("Float64"), red["target"].astype("Float64")
    rows = pd.DataFrame({
        "kode_desa": red["kode_desa"].astype("string"), "nama_desa": _text(red, "nama_desa"),
        "tahun": red["tahun"].astype("Int64"), "jenis_agenda": "Layanan dasar",
        "sektor": red["sektor"].astype("string"), "indikator": red["indikator"].astype("string"),
        "nama_indikator": _text(red, "nama_indikator", red["indikator"]), "nilai": nilai, "target": target,
        "sumber_target": _text(red, "sumber_target"),
        # distance to the target in the indicator's unit, positive when short of it
        "kesenjangan": (target - nilai).where(red["arah"] == "higher", nilai - target).astype("Float64"),
        "penanggung_jawab": red["sektor"].map(p["penanggung_jawab"]).astype("string"),
        "sub_bidang_apbdes": red["sektor"].map(p["sub_bidang_apbdes"]).astype("string"), "keterangan": pd.NA})
    # Relative gap orders service rows across indicators of different scales.
    relative = rows["kesenjangan"] / rows["target"].where(rows["target"] > 0)
    parts = [rows.assign(_relatif=relative.fillna(rows["kesenjangan"] / 100))]

    if rules is not None and not rules.empty:
        bad = rules[rules["patuh"].fillna(True).eq(False)]
        parts.append(pd.DataFrame({
            "kode_desa": bad["kode_desa"].astype("string"), "nama_desa": _text(bad, "nama_desa"),
            "tahun": bad["tahun"].astype("Int64"), "jenis_agenda": "Aturan belanja", "sektor": "ATURAN",
            "indikator": bad["aturan"].astype("string"), "nama_indikator": bad["aturan"].astype("string"),
            "nilai": bad["nilai"].astype("Float64"), "target": pd.NA, "sumber_target": _text(bad, "dasar_hukum"),
            "kesenjangan": pd.NA, "penanggung_jawab": p["penanggung_jawab"]["ATURAN"],
            "sub_bidang_apbdes": p["sub_bidang_apbdes"]["ATURAN"], "keterangan": _text(bad, "pesan"),
            "_relatif": 0.0}))
    if extra_rows is not None and not extra_rows.empty:
        parts.append(extra_rows.assign(_relatif=0.0))

    parts = [part for part in parts if not part.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in AGENDA_COLUMNS}).astype(
            {"prioritas": "Int64", "tahun": "Int64", "nilai": "Float64", "target": "Float64", "kesenjangan": "Float64"})
    out = pd.concat(parts, ignore_index=True)

    known = quadrants is not None and not quadrants.empty
    quad = quadrants.drop_duplicates("kode_desa").set_index("kode_desa")["label_kuadran"] if known else {}
    out["kuadran"] = out["kode_desa"].map(quad).astype("string")
    order = {label: i for i, label in enumerate(p["urutan_kuadran"])}
    out["_kuadran"] = out["kuadran"].map(order).astype("Float64").fillna(len(order))
    out["_jenis"] = np.where(out["jenis_agenda"] == "Layanan dasar", 0, 1)
    out = out.sort_values(["_kuadran", "_jenis", "_relatif", "kode_desa", "indikator"],
                          ascending=[True, True, False, True, True], kind="stable").reset_index(drop=True)
    out["prioritas"] = pd.array(np.arange(1, len(out) + 1), dtype="Int64")
    return out[AGENDA_COLUMNS]

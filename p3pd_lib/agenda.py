"""Agenda terpadu: who acts on which gap (DOMAIN.md §7).

Each red indicator of a desa becomes one agenda row naming the responsible party and the APBDes sub-bidang that could
fund the response; each breached spending rule becomes a row for the Kasi PMD and the village government. Rows are
ordered by priority: the desa's need-vs-spending quadrant first ("Prioritas: realokasi belanja" before the others),
then the size of the gap relative to the target (16 points over a 14 % stunting target outranks 50 points under a
100 % target).

>>> import pandas as pd
>>> cl = pd.DataFrame({"kode_desa": ["a", "b"], "nama_desa": ["A", "B"], "tahun": [2024, 2024],
...     "sektor": ["KES", "PEND"], "indikator": ["KES01", "PEND01"], "nama_indikator": ["Stunting", "PAUD"],
...     "nilai": [30.0, 50.0], "target": [14.0, 100.0], "sumber_target": ["RPJMN", "SPM"],
...     "arah": ["lower", "higher"], "kelas": ["merah", "merah"]})
>>> agenda_terpadu(cl)[["prioritas", "indikator", "kesenjangan"]].values.tolist()
[[1, 'KES01', 16.0], [2, 'PEND01', 50.0]]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from . import parameter_files

AGENDA_COLUMNS = [
    "prioritas", "kode_desa", "nama_desa", "tahun", "jenis_agenda", "sektor", "indikator", "nama_indikator",
    "nilai", "target", "sumber_target", "kesenjangan", "kuadran", "penanggung_jawab", "sub_bidang_apbdes",
    "keterangan",
]
_REQUIRED = ("kode_desa", "tahun", "sektor", "indikator", "nilai", "target", "arah", "kelas")


def load_agenda_parameters(path: str | Path | None = None) -> dict[str, Any]:
    """Responsible parties, suggested sub-bidang and priority order (``parameters/agenda.yaml``), validated.

    >>> load_agenda_parameters()["kelas_masuk_agenda"]
    ['merah']
    """
    return parameter_files.load_agenda(path).model_dump()


def _gap(df: pd.DataFrame) -> pd.Series:
    """Distance to target in the indicator's unit, positive when short of it."""
    nilai = df["nilai"].astype("Float64")
    target = df["target"].astype("Float64")
    return (target - nilai).where(df["arah"] == "higher", nilai - target)


def agenda_terpadu(classified: pd.DataFrame, quadrants: pd.DataFrame | None = None, rules: pd.DataFrame | None = None,
                   extra_rows: pd.DataFrame | None = None, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The agenda terpadu: one row per gap, ordered by priority.

    ``classified``: classified indicator values of desa (``kode_desa, tahun, sektor, indikator, nilai, target, arah,
    kelas`` and optionally ``nama_desa, nama_indikator, sumber_target``). ``quadrants`` (optional): ``kode_desa,
    label_kuadran``. ``rules`` (optional): spending-rule checks with ``kode_desa, tahun, aturan, nilai, patuh,
    pesan``; each ``patuh == False`` becomes a row. ``extra_rows`` (optional): rows already in agenda shape (e.g. from
    community proposals) merged into the ordering. Inputs are not modified.
    """
    missing = [c for c in _REQUIRED if c not in classified.columns]
    if missing:
        raise ValueError(f"Tabel capaian tidak memuat kolom: {', '.join(missing)}.")
    p = dict(params or load_agenda_parameters())

    red = classified[classified["kelas"].isin(p["kelas_masuk_agenda"])]
    rows = pd.DataFrame(
        {
            "kode_desa": red["kode_desa"].astype("string"),
            "nama_desa": red["nama_desa"].astype("string") if "nama_desa" in red else pd.NA,
            "tahun": red["tahun"].astype("Int64"),
            "jenis_agenda": "Layanan dasar",
            "sektor": red["sektor"].astype("string"),
            "indikator": red["indikator"].astype("string"),
            "nama_indikator": red["nama_indikator"].astype("string") if "nama_indikator" in red else red["indikator"],
            "nilai": red["nilai"].astype("Float64"),
            "target": red["target"].astype("Float64"),
            "sumber_target": red["sumber_target"].astype("string") if "sumber_target" in red else pd.NA,
            "kesenjangan": _gap(red).astype("Float64"),
            "penanggung_jawab": red["sektor"].map(p["penanggung_jawab"]).astype("string"),
            "sub_bidang_apbdes": red["sektor"].map(p["sub_bidang_apbdes"]).astype("string"),
            "keterangan": pd.NA,
        }
    )
    # Relative gap orders service rows across indicators of different scales.
    target = rows["target"].where(rows["target"] > 0)
    rows["_relatif"] = (rows["kesenjangan"] / target).fillna(rows["kesenjangan"] / 100)
    parts = [rows]

    if rules is not None and not rules.empty:
        bad = rules[rules["patuh"].fillna(True).eq(False)]
        parts.append(
            pd.DataFrame(
                {
                    "kode_desa": bad["kode_desa"].astype("string"),
                    "nama_desa": bad["nama_desa"].astype("string") if "nama_desa" in bad else pd.NA,
                    "tahun": bad["tahun"].astype("Int64"),
                    "jenis_agenda": "Aturan belanja",
                    "sektor": "ATURAN",
                    "indikator": bad["aturan"].astype("string"),
                    "nama_indikator": bad["aturan"].astype("string"),
                    "nilai": bad["nilai"].astype("Float64"),
                    "target": pd.NA,
                    "sumber_target": bad["dasar_hukum"].astype("string") if "dasar_hukum" in bad else pd.NA,
                    "kesenjangan": pd.NA,
                    "penanggung_jawab": p["penanggung_jawab"]["ATURAN"],
                    "sub_bidang_apbdes": p["sub_bidang_apbdes"]["ATURAN"],
                    "keterangan": bad["pesan"].astype("string") if "pesan" in bad else pd.NA,
                    "_relatif": 0.0,
                }
            )
        )
    if extra_rows is not None and not extra_rows.empty:
        parts.append(extra_rows.assign(_relatif=0.0))

    parts = [part for part in parts if not part.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in AGENDA_COLUMNS}).astype(
            {"prioritas": "Int64", "tahun": "Int64", "nilai": "Float64", "target": "Float64", "kesenjangan": "Float64"}
        )
    out = pd.concat(parts, ignore_index=True)

    if quadrants is not None and not quadrants.empty:
        quad = quadrants.drop_duplicates("kode_desa").set_index("kode_desa")["label_kuadran"]
        out["kuadran"] = out["kode_desa"].map(quad).astype("string")
    else:
        out["kuadran"] = pd.Series(pd.NA, index=out.index, dtype="string")
    order = {label: i for i, label in enumerate(p["urutan_kuadran"])}
    out["_kuadran"] = out["kuadran"].map(order).astype("Float64").fillna(len(order))
    out["_jenis"] = np.where(out["jenis_agenda"] == "Layanan dasar", 0, 1)
    out = out.sort_values(
        ["_kuadran", "_jenis", "_relatif", "kode_desa", "indikator"],
        ascending=[True, True, False, True, True],
        kind="stable",
    ).reset_index(drop=True)
    out["prioritas"] = pd.array(np.arange(1, len(out) + 1), dtype="Int64")
    return out[AGENDA_COLUMNS]

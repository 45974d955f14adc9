"""Assembly of the per-kabupaten arrays into canonical tables: the pure generation API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ParameterError
from ..schemas import TAHUN_MAX, TAHUN_MIN
from .catalogue import CATALOGUE, FORUM, KEG_CODES, KEG_POS, SEKTOR_USULAN, STATUS_USULAN, USULAN_TEMPLATES
from .parameters import (
    COUNT_COLS, DemoParameters, GENERATOR_VERSION, MANIFEST_COLUMNS, STATUS_IDM, default_parameters,
)
from .planted import generate_kab
from .services import KabOut


# ---------------------------------------------------------------------------------------
# Assembly


def _strings(values: Sequence[str | None], idx: np.ndarray) -> pd.Series:
    """A pandas ``string`` column taking ``values[idx]`` (-1 = missing), built in Arrow."""
    arr = pa.array(list(values), type=pa.string())
    mask = idx < 0
    taken = arr.take(pa.array(np.where(mask, 0, idx), type=pa.int64()))
    if mask.any():
        taken = pc.if_else(pa.array(~mask), taken, pa.scalar(None, pa.string()))
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([taken])))


def _ints(x: np.ndarray, na: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    x = np.asarray(x, dtype=np.int64)
    return pd.arrays.IntegerArray(x, np.zeros(len(x), dtype=bool) if na is None else na)


def _floats(x: np.ndarray) -> pd.arrays.FloatingArray:
    x = np.asarray(x, dtype=np.float64)
    return pd.arrays.FloatingArray(np.nan_to_num(x), np.isnan(x))


@dataclass(frozen=True)
class DemoResult:
    """Generated demo data: canonical tables, the manifest of planted problems, store metadata."""

    tables: dict[str, pd.DataFrame]
    manifest: pd.DataFrame
    meta: dict[str, object]


def _normalise_codes(values: Iterable[str] | str | None, level: int) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        code = str(v).strip().rstrip(".")
        ok = len(code) == 2 and code.isdigit() if level == 0 else (
            len(code) == 5 and code[2] == "." and code.replace(".", "").isdigit())
        if not ok:
            what = "provinsi (2 digit, mis. 33)" if level == 0 else "kabupaten/kota (PP.KK, mis. 33.07)"
            raise ParameterError(f"'{v}' bukan kode {what}.")
        out.append(code)
    return sorted(set(out))


def resolve_selection(provinsi: Iterable[str] | str | None = None, kabupaten: Iterable[str] | str | None = None,
                      parameters: DemoParameters | None = None) -> tuple[list[str], list[str] | None]:
    """Normalised (provinsi, kabupaten) of a generation request.

    ``kabupaten`` restricts the generation to those kabupaten/kota (their provinces
    follow); otherwise every kabupaten of ``provinsi`` (default: the parameters').

    >>> resolve_selection(kabupaten=["33.07."])
    (['33'], ['33.07'])
    """
    from ..wilayah import wilayah_table

    prm = parameters or default_parameters()
    kabs = _normalise_codes(kabupaten, 1)
    provs = _normalise_codes(provinsi, 0)
    if kabs:
        kab_provs = sorted({k[:2] for k in kabs})
        if provs is not None and not set(kab_provs) <= set(provs):
            raise ParameterError("Kabupaten/kota yang diminta tidak berada di provinsi yang diminta.")
        provs = kab_provs
    elif provs is None:
        provs = sorted(prm.provinsi)
    official = wilayah_table(provs)
    missing = sorted(set(provs) - set(official["kode_provinsi"]))
    if missing:
        raise ParameterError(f"Kode provinsi tidak ada dalam daftar resmi: {', '.join(missing)}.")
    if kabs:
        missing = sorted(set(kabs) - set(official["kode_kabupaten"]))
        if missing:
            raise ParameterError(f"Kode kabupaten/kota tidak ada dalam daftar resmi: {', '.join(missing)}.")
    return provs, (kabs or None)


def resolve_years(tahun: Iterable[int] | int | None, prm: DemoParameters) -> list[int]:
    if tahun is None:
        return sorted(set(prm.tahun))
    ys = [tahun] if isinstance(tahun, int) else list(tahun)
    try:
        out = sorted({int(y) for y in ys})
    except (TypeError, ValueError):
        raise ParameterError(f"Tahun tidak valid: {ys!r}.") from None
    if not out or any(not TAHUN_MIN <= y <= TAHUN_MAX for y in out):
        raise ParameterError(f"Tahun harus di antara {TAHUN_MIN} dan {TAHUN_MAX}: {out}.")
    return out


def demo_meta(seed: int, provinsi: list[str], kabupaten: list[str] | None, tahun: list[int],
              parameters: DemoParameters) -> dict[str, object]:
    """The store metadata describing one generation request (also used to decide whether to regenerate)."""
    return {
        "simulasi": True,
        "sumber": "demo",
        "seed": int(seed),
        "provinsi": list(provinsi),
        "kabupaten": list(kabupaten) if kabupaten else None,
        "tahun": list(tahun),
        "versi_generator": GENERATOR_VERSION,
        "parameter_demo": parameters.fingerprint(),
    }


def generate_demo(seed: int | None = None, provinsi: Iterable[str] | str | None = None,
                  kabupaten: Iterable[str] | str | None = None, tahun: Iterable[int] | int | None = None,
                  parameters: DemoParameters | None = None) -> DemoResult:
    """Generate the demo tables, their manifest of planted problems and the store metadata.

    ``seed`` defaults to the parameters' seed; ``provinsi``/``kabupaten`` select the
    regions (see :func:`resolve_selection`); ``tahun`` the fiscal years.
    Pure: no file is written (the official region list and the parameters are read).
    """
    from ..wilayah import wilayah_table

    prm = parameters or default_parameters()
    seed = prm.seed if seed is None else int(seed)
    if seed < 0:
        raise ParameterError("Seed harus bilangan bulat tidak negatif.")
    provs, kabs = resolve_selection(provinsi, kabupaten, prm)
    years = resolve_years(tahun, prm)
    official_all = wilayah_table(provs)
    wil = official_all if not kabs else official_all[official_all["kode_kabupaten"].isin(kabs)]
    wil = wil.reset_index(drop=True)
    official_codes = set(official_all["kode_desa"].tolist())

    outs: list[KabOut] = []
    offsets: list[int] = []
    kab_codes = wil["kode_kabupaten"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, kab_codes[1:] != kab_codes[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        wk = wil.iloc[a:b].reset_index(drop=True)
        outs.append(generate_kab(str(kab_codes[a]), wk, years, prm, seed, official_codes))
        offsets.append(int(a))
    tables = _assemble(wil, outs, offsets)
    man = [row for o in outs for row in o.masalah]
    manifest_df = manifest_frame(man)
    return DemoResult(tables=tables, manifest=manifest_df, meta=demo_meta(seed, provs, kabs, years, prm))


def manifest_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    df = df.astype({c: "string" for c in MANIFEST_COLUMNS if c != "tahun"}).astype({"tahun": "Int64"})
    return df.sort_values(["kode_desa", "tahun", "aturan"], kind="stable").reset_index(drop=True)


def _assemble(wil: pd.DataFrame, outs: list[KabOut], offsets: list[int]) -> dict[str, pd.DataFrame]:
    codes = wil["kode_desa"].tolist()

    # layanan
    lay_codes = np.concatenate([o.lay_codes for o in outs]) if outs else np.zeros(0, dtype=object)
    lay_counts = np.vstack([o.lay_counts for o in outs]) if outs else np.zeros((0, len(COUNT_COLS)), dtype=np.int64)
    lay_na = np.vstack([o.lay_na for o in outs]) if outs else np.zeros((0, len(COUNT_COLS)), dtype=bool)
    lay = {"kode_desa": pd.Series(pd.array(lay_codes.astype(str), dtype="string")),
           "tahun": _ints(np.concatenate([o.lay_year for o in outs]) if outs else np.zeros(0))}
    for i, c in enumerate(COUNT_COLS):
        lay[c] = _ints(lay_counts[:, i], lay_na[:, i])
    layanan = pd.DataFrame(lay)

    # status_desa
    def cat(key: str, src: str) -> np.ndarray:
        return np.concatenate([getattr(o, src)[key] + (off if key == "v" else 0) for o, off in zip(outs, offsets)]) \
            if outs else np.zeros(0, dtype=np.int64)

    sv = cat("v", "st")
    status = pd.DataFrame({
        "kode_desa": _strings(codes, sv.astype(np.int64)),
        "tahun": _ints(cat("tahun", "st")),
        **{k: _floats(cat(k, "st")) for k in ("iks", "ike", "ikl", "idm")},
        "status_idm": _strings(STATUS_IDM, cat("st", "st").astype(np.int64)),
        "status_indeks_desa": _strings(STATUS_IDM, cat("sid", "st").astype(np.int64)),
    })

    # apbdes
    av = cat("v", "apb").astype(np.int64)
    line = cat("line", "apb").astype(np.int64)
    keg = np.array([KEG_POS[ln.keg] if ln.keg else -1 for ln in CATALOGUE], dtype=np.int64)
    nama = [ln.nama for ln in CATALOGUE]
    apbdes = pd.DataFrame({
        "kode_desa": _strings(codes, av),
        "tahun": _ints(cat("tahun", "apb")),
        "kode_kegiatan": _strings(KEG_CODES, keg[line]),
        "nama_kegiatan": _strings([x or "" for x in nama], np.where(keg[line] < 0, -1, line)),
        "kode_rekening": _strings([ln.rek for ln in CATALOGUE], line),
        "uraian": _strings([ln.uraian for ln in CATALOGUE], line),
        "sumber_dana": _strings([ln.sumber for ln in CATALOGUE], line),
        "anggaran": _floats(cat("anggaran", "apb")),
        "realisasi": _floats(cat("realisasi", "apb")),
    })

    # usulan
    uv = cat("v", "us").astype(np.int64)
    j = cat("j", "us").astype(np.int64)
    rt = pa.array([f"RT {i:02d}" for i in range(1, int(j.max()) + 2)] if len(j) else [], type=pa.string())
    tmpl = pa.array(list(USULAN_TEMPLATES), type=pa.string()).take(pa.array(cat("tmpl", "us").astype(np.int64)))
    uraian = pc.binary_join_element_wise(tmpl, rt.take(pa.array(j)), " ") if len(j) else pa.array([], pa.string())
    usulan = pd.DataFrame({
        "kode_desa": _strings(codes, uv),
        "tahun": _ints(cat("tahun", "us")),
        "forum": _strings(FORUM, cat("forum", "us").astype(np.int64)),
        "sektor": _strings(SEKTOR_USULAN, cat("sektor", "us").astype(np.int64)),
        "uraian": pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([uraian], type=pa.string()))),
        "kode_kegiatan": _strings(KEG_CODES, cat("keg", "us").astype(np.int64)),
        "perkiraan_biaya": _floats(cat("biaya", "us")),
        "status": _strings(STATUS_USULAN, cat("status", "us").astype(np.int64)),
        "anggaran_disetujui": _floats(cat("setuju", "us").astype(float)),
    })
    return {"wilayah": wil.copy(), "layanan": layanan, "apbdes": apbdes, "status_desa": status, "usulan": usulan}


def generate(seed: int | None = None, provinsi: Iterable[str] | str | None = None,
             kabupaten: Iterable[str] | str | None = None, tahun: Iterable[int] | int | None = None,
             parameters: DemoParameters | None = None) -> dict[str, pd.DataFrame]:
    """The five canonical demo tables (see :func:`generate_demo`)."""
    return generate_demo(seed, provinsi, kabupaten, tahun, parameters).tables


def manifest(seed: int | None = None, provinsi: Iterable[str] | str | None = None,
             kabupaten: Iterable[str] | str | None = None, tahun: Iterable[int] | int | None = None,
             parameters: DemoParameters | None = None) -> pd.DataFrame:
    """The planted data-quality problems of the same request (columns :data:`MANIFEST_COLUMNS`)."""
    return generate_demo(seed, provinsi, kabupaten, tahun, parameters).manifest

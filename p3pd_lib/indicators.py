"""Basic-service indicators: the catalogue, per-desa values and Σ/Σ aggregation.

The catalogue is ``parameters/indikator.yaml``; a function taking a :class:`Catalogue` also takes its ``.frame``.
Rules (DOMAIN.md §4): a value is ``pembilang × faktor / penyebut``, ``<NA>`` unless the denominator is positive and
the numerator known and not negative; ``stabil`` needs ``min_penyebut``; a percentage above 100 shows as 100, flagged
``pembilang_melebihi`` (raw in ``nilai_mentah``); a desa-year reported twice counts once (copies that disagree give
no value, flagged ``ganda_berbeda``); aggregates are Σpembilang / Σpenyebut, never a mean of percentages.

>>> cat = load_catalogue()
>>> cat.frame.loc[cat.frame["id"] == "KES01", ["arah", "target", "tag_target", "satuan"]].values.tolist()
[['lower', 14.0, 'sourced', 'persen']]
>>> cat.sektor_label["AIR"]
'Air bersih & Sanitasi'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from . import parameter_files
from .errors import DataError, ParameterError
from .frames import require_columns

CATALOGUE_FILE = "indikator.yaml"
TINGKAT = ("desa", "kecamatan", "kabupaten", "provinsi")

#: Columns of :attr:`Catalogue.frame`, in order.
CATALOGUE_COLUMNS = ("id", "sektor", "label_sektor", "nama", "name_en", "pembilang", "penyebut", "faktor", "satuan",
                     "arah", "target", "sumber_target", "tag_target", "min_penyebut", "keterangan")
#: Columns of :func:`desa_values`, in order.
VALUE_COLUMNS = ("kode_desa", "tahun", "indikator", "sektor", "pembilang", "penyebut", "nilai", "satuan",
                 "nilai_mentah", "stabil", "pembilang_melebihi", "ganda_berbeda")
#: Columns of :func:`aggregate`, in order.
AGGREGATE_COLUMNS = ("kode_wilayah", "nama_wilayah", "tingkat", "tahun", "indikator", "sektor", "pembilang",
                     "penyebut", "nilai", "satuan", "nilai_mentah", "stabil", "pembilang_melebihi", "n_desa",
                     "n_desa_data")


@dataclass(frozen=True)
class Catalogue:
    """The validated catalogue: ``frame`` (one row per indicator, :data:`CATALOGUE_COLUMNS`), ``sektor_label``
    (sector code → Indonesian name, in display order) and ``kolom`` (count column of ``layanan`` → label)."""

    frame: pd.DataFrame
    sektor_label: dict[str, str]
    source: Path | None = field(default=None, compare=False)
    kolom: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def ids(self) -> list[str]:
        """Indicator ids in catalogue order."""
        return self.frame["id"].tolist()

    def get(self, indikator: str) -> dict[str, Any]:
        """One indicator's entry as a dict (``ParameterError`` if unknown)."""
        rows = self.frame[self.frame["id"] == indikator]
        if rows.empty:
            raise ParameterError(f"Indikator '{indikator}' tidak ada dalam katalog. "
                                 f"Yang tersedia: {', '.join(self.ids)}.")
        return rows.iloc[0].to_dict()

    def __len__(self) -> int:
        return len(self.frame)


def _catalogue(file: parameter_files.IndicatorFile, source: Path | None, min_penyebut_bawaan: int | None) -> Catalogue:
    if min_penyebut_bawaan is None:
        min_penyebut_bawaan = parameter_files.load_classification().stabilitas.min_penyebut_bawaan
    rows = [ind.model_dump() | {"label_sektor": file.sektor[ind.sektor]} for ind in file.indikator]
    frame = pd.DataFrame(rows, columns=list(CATALOGUE_COLUMNS)).assign(
        min_penyebut=lambda d: d["min_penyebut"].fillna(min_penyebut_bawaan),
        sumber_target=lambda d: d["sumber_target"].where(d["target"].notna()))
    frame = frame.astype(dict.fromkeys(CATALOGUE_COLUMNS, "string")
                         | {"faktor": "Float64", "target": "Float64", "min_penyebut": "Int64"})
    return Catalogue(frame=frame, sektor_label=dict(file.sektor), source=source,
                     kolom={name: c.label for name, c in file.kolom.items()})


def catalogue_from_dict(data: Any, source: Path | None = None, min_penyebut_bawaan: int | None = None) -> Catalogue:
    """A :class:`Catalogue` from the YAML's parsed content (errors name the entry and the field).

    ``min_penyebut_bawaan`` (default: ``klasifikasi.yaml``) fills entries without ``min_penyebut``; without a
    ``kolom`` section the project's count columns are used.

    >>> catalogue_from_dict({"sektor": {"KES": "Kesehatan"}, "indikator": [
    ...     {"id": "KES01", "sektor": "KES", "nama": "x", "name_en": "x", "pembilang": "balita_stunting",
    ...      "penyebut": "balita_diukur", "arah": "lower", "target": 14}]}, min_penyebut_bawaan=10)
    Traceback (most recent call last):
    ...
    p3pd_lib.errors.ParameterError: Berkas parameter indikator.yaml: indikator KES01: 'sumber_target' wajib diisi bila ada target (setiap target harus menyebut sumbernya). [katalog]
    """
    if not isinstance(data, dict) or "indikator" not in data or "sektor" not in data:
        raise ParameterError("Katalog indikator harus berisi bagian 'sektor' dan 'indikator'.")
    if "kolom" not in data:
        data = {**data, "kolom": parameter_files.load_indicator_file().model_dump()["kolom"]}
    try:
        file = parameter_files.IndicatorFile.model_validate(data)
    except ValidationError as exc:
        parameter_files.raise_indonesian(Path(source or CATALOGUE_FILE), exc, data, shown=None if source else "katalog")
    return _catalogue(file, source, min_penyebut_bawaan)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The validated indicator catalogue (default ``parameters/indikator.yaml``; cached until the file changes).

    >>> load_catalogue().ids[:3]
    ['KES01', 'KES02', 'KES03']
    """
    return _catalogue(parameter_files.load_indicator_file(path), Path(path) if path else None, None)


def catalogue_frame(catalogue: Catalogue | pd.DataFrame) -> pd.DataFrame:
    """The catalogue as a frame, whether given a :class:`Catalogue` or its ``.frame``."""
    if isinstance(catalogue, Catalogue):
        return catalogue.frame
    if isinstance(catalogue, pd.DataFrame):
        required = ("id", "sektor", "pembilang", "penyebut", "faktor", "arah", "target", "min_penyebut")
        require_columns(catalogue, required, "Tabel katalog", ParameterError)
        if "satuan" not in catalogue.columns:
            catalogue = catalogue.assign(satuan=pd.array(["persen"] * len(catalogue), dtype="string"))
        return catalogue
    raise ParameterError("Katalog harus berupa hasil load_catalogue() atau tabelnya (.frame).")


def catalogue_columns(indikator: pd.Series, catalogue: Catalogue | pd.DataFrame,
                      columns: Sequence[str]) -> pd.DataFrame:
    """The catalogue's ``columns`` for each row's indicator (``<NA>`` for an id not in the catalogue).

    >>> catalogue_columns(pd.Series(["KES02", "KES01"]), load_catalogue(), ["target", "arah"]).values.tolist()
    [[90.0, 'higher'], [14.0, 'lower']]
    """
    cat = catalogue_frame(catalogue)
    ids = indikator.astype("category").cat  # each distinct id looked up once
    found = pd.Index(cat["id"]).get_indexer(ids.categories)
    position = np.where(ids.codes >= 0, found[ids.codes], -1)  # −1: not in the catalogue
    return pd.DataFrame({c: cat[c].array.take(position, allow_fill=True) for c in columns}, index=indikator.index)


def _with_rates(df: pd.DataFrame, cat: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``indikator, pembilang, penyebut`` with ``nilai, satuan, nilai_mentah, stabil, pembilang_melebihi``."""
    c = catalogue_columns(df["indikator"], cat, ["faktor", "satuan", "min_penyebut"])
    ok = (df["penyebut"] > 0) & (df["pembilang"] >= 0)  # NaN compares False: both counts required
    raw = (df["pembilang"] * c["faktor"].astype(float) / df["penyebut"]).where(ok)
    capped = raw.clip(upper=100).where(c["satuan"].eq("persen").to_numpy(dtype=bool), raw)
    counts = {k: df[k].astype("Int64" if (df[k].dropna() % 1 == 0).all() else "Float64")  # whole: Int64; never rounded
              for k in ("pembilang", "penyebut")}
    return df.assign(nilai=capped.astype("Float64"), satuan=c["satuan"].astype("string"),
                     nilai_mentah=raw.astype("Float64"), **counts,
                     stabil=(ok & (df["penyebut"] >= c["min_penyebut"].astype(float))).to_numpy(dtype=bool),
                     pembilang_melebihi=(ok & (df["pembilang"] > df["penyebut"])).to_numpy(dtype=bool))


def desa_values(layanan: pd.DataFrame, catalogue: Catalogue | pd.DataFrame,
                tahun: int | Sequence[int] | None = None) -> pd.DataFrame:
    """Long table of indicator values, one row per ``kode_desa, tahun, indikator`` (columns :data:`VALUE_COLUMNS`).

    Counts are ``Int64`` (``<NA>``: not reported; an absent count column is not reported), ``nilai`` is in the
    indicator's ``satuan`` (percentages at most 100, uncapped in ``nilai_mentah``). ``tahun`` filters one or more
    years. Rows are ordered by indicator (catalogue order), then as in ``layanan``.

    >>> lay = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "tahun": [2024, 2024],
    ...                     "balita_stunting": [7, 3], "balita_diukur": [50, 0]})
    >>> v = desa_values(lay, load_catalogue())
    >>> v[v.indikator == "KES01"][["kode_desa", "nilai", "stabil"]].values.tolist()
    [['11.01.01.2001', 14.0, True], ['11.01.01.2002', <NA>, False]]
    """
    cat = catalogue_frame(catalogue)
    require_columns(layanan, ("kode_desa", "tahun"), "Tabel layanan")
    if tahun is not None:
        layanan = layanan[layanan["tahun"].isin([tahun] if isinstance(tahun, (int, np.integer)) else list(tahun))]
    counts: dict[str, Any] = {}  # count column → floats (an absent column: not reported; text is an error)
    for c in dict.fromkeys([*cat["pembilang"], *cat["penyebut"]]):
        try:
            counts[c] = pd.to_numeric(layanan[c]).astype("Float64").astype(float) if c in layanan else np.nan
        except (TypeError, ValueError):
            raise DataError(f"Kolom '{c}' pada tabel layanan harus berisi angka (jumlah orang/rumah tangga).") from None
    keys = pd.DataFrame({"kode_desa": layanan["kode_desa"].astype("string"), "tahun": layanan["tahun"].astype("Int64"),
                         "_copy": layanan.duplicated(["kode_desa", "tahun"], keep=False)})  # a desa-year twice
    long = pd.concat([keys.assign(indikator=ind.id, sektor=ind.sektor, pembilang=counts[ind.pembilang],
                                  penyebut=counts[ind.penyebut]) for ind in cat.itertuples()], ignore_index=True)
    long = long.astype({"indikator": "string", "sektor": "string"})
    # Identical copies count once; copies that disagree lose their counts and are flagged (one row stays).
    key = ["kode_desa", "tahun", "indikator"]
    copies = long[long["_copy"]]
    copies = copies[~copies.duplicated([*key, "pembilang", "penyebut"])]
    clash = copies[copies.duplicated(key, keep=False)]
    drop = long.index[long["_copy"]].difference(copies.index).union(clash.index[clash.duplicated(key)])
    long = long.assign(ganda_berbeda=long.index.isin(clash.index)).drop(drop)
    long = _with_rates(long.assign(pembilang=long["pembilang"].mask(long["ganda_berbeda"]),
                                   penyebut=long["penyebut"].mask(long["ganda_berbeda"])), cat)
    return long[list(VALUE_COLUMNS)].reset_index(drop=True)


def aggregate(values: pd.DataFrame, wilayah: pd.DataFrame, tingkat: str | Sequence[str],
              catalogue: Catalogue | pd.DataFrame | None = None) -> pd.DataFrame:
    """Σ/Σ of desa values per region of ``tingkat`` (one level or several, stacked), year and indicator.

    ``pembilang`` and ``penyebut`` sum the desa rows with both counts and a positive denominator, each desa once;
    ``nilai`` = Σpembilang × faktor / Σpenyebut. ``n_desa`` counts the region's desa/kelurahan in ``wilayah``,
    ``n_desa_data`` those that contributed; desa absent from ``wilayah`` are left out. Rows are ordered by region
    code, year and indicator (catalogue order). Columns :data:`AGGREGATE_COLUMNS`.

    >>> wil = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "nama_desa": ["A", "B"],
    ...     "jenis": "desa", "kode_kecamatan": "11.01.01", "nama_kecamatan": "K", "kode_kabupaten": "11.01",
    ...     "nama_kabupaten": "Kab", "kode_provinsi": "11", "nama_provinsi": "Aceh"})
    >>> lay = pd.DataFrame({"kode_desa": ["11.01.01.2001", "11.01.01.2002"], "tahun": [2024, 2024],
    ...                     "balita_stunting": [1, 30], "balita_diukur": [10, 100]})
    >>> cat = load_catalogue()
    >>> agg = aggregate(desa_values(lay, cat), wil, "kecamatan", cat)
    >>> agg.loc[agg.indikator == "KES01", ["pembilang", "penyebut", "nilai", "n_desa_data"]].values.tolist()
    [[31, 110, 28.181818181818183, 2]]
    """
    levels = [tingkat] if isinstance(tingkat, str) else list(tingkat)
    bad = [t for t in levels if t not in TINGKAT]
    if bad or not levels:
        raise ParameterError(f"Tingkat '{', '.join(map(str, bad))}' tidak dikenal; pilih dari {', '.join(TINGKAT)}.")
    require_columns(values, ("kode_desa", "tahun", "indikator", "pembilang", "penyebut"), "Tabel nilai indikator")
    columns = ["kode_desa", *[c for t in levels for c in (f"kode_{t}", f"nama_{t}") if t != "desa"]]
    require_columns(wilayah, dict.fromkeys(columns + (["nama_desa"] if "desa" in levels else [])), "Tabel wilayah")
    cat = catalogue_frame(catalogue if catalogue is not None else load_catalogue())
    if unknown := sorted(set(values["indikator"].dropna().unique()) - set(cat["id"])):
        raise ParameterError(f"Indikator tidak ada dalam katalog: {', '.join(unknown)}.")

    wil = wilayah.drop_duplicates("kode_desa")
    wil = wil.set_axis(wil["kode_desa"].to_numpy())  # looked up by desa code
    pembilang, penyebut = values["pembilang"].astype(float), values["penyebut"].astype(float)
    ok = (penyebut > 0) & (pembilang >= 0)
    rows = pd.DataFrame({
        "kode_desa": values["kode_desa"].astype("category"), "tahun": values["tahun"],
        "indikator": values["indikator"].astype(pd.CategoricalDtype(cat["id"]))})  # sorts in catalogue order
    # Each desa with both counts once, however often it appears; every row still makes its region appear.
    once = ok & ~rows.assign(ok=ok).duplicated(["kode_desa", "tahun", "indikator", "ok"])
    rows = rows.assign(pembilang=pembilang.where(once), penyebut=penyebut.where(once), n_desa_data=once)
    sektor = cat.set_index("id")["sektor"]
    frames = []
    for level in levels:
        code, name = f"kode_{level}", f"nama_{level}"
        regions = wil.groupby(code).agg(nama_wilayah=(name, "first"), n_desa=(name, "size"))
        agg = (rows.assign(kode_wilayah=rows["kode_desa"].map(wil[code].astype("category")))  # codes, sorted
               .groupby(["kode_wilayah", "tahun", "indikator"], observed=True)[["pembilang", "penyebut", "n_desa_data"]]
               .sum(min_count=1).reset_index().join(regions, on="kode_wilayah"))  # no desa with data: NaN, not 0
        agg = agg.assign(tingkat=level, sektor=agg["indikator"].map(sektor))
        frames.append(_with_rates(agg, cat))
    out = pd.concat(frames, ignore_index=True)
    text, whole = ["kode_wilayah", "nama_wilayah", "tingkat", "indikator", "sektor"], ["tahun", "n_desa", "n_desa_data"]
    return out.astype(dict.fromkeys(text, "string") | dict.fromkeys(whole, "Int64"))[list(AGGREGATE_COLUMNS)]

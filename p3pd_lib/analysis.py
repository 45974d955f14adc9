"""The one call a view needs: everything a kecamatan report, dashboard or workshop shows.

:func:`analyse` runs every indicator, spending, classification and quality
function of the library over a dataset and returns the full tables
(:class:`Analysis`). :func:`kecamatan_view` slices that into what one
kecamatan's view shows for one year (:class:`KecamatanView`), and
:func:`kabupaten_view` puts the kecamatan of one kabupaten side by side.

Comparisons inside a kabupaten (the top quartile of BEL01, robust outliers)
need the whole kabupaten, so views compute :func:`analyse` per kabupaten and
keep the result in a small in-process cache: a batch of reports, or a
dashboard user switching kecamatan, pays for each kabupaten once.

>>> from p3pd_lib.demo import generate_demo
>>> from p3pd_lib.store import Dataset
>>> d = generate_demo(kabupaten=["33.07"])
>>> view = kecamatan_view(Dataset(**d.tables, meta=d.meta), "33.07.01", tahun=2024)
>>> view.identitas["nama_kabupaten"], view.identitas["simulasi"]
('Kabupaten Wonosobo', True)
"""

from __future__ import annotations

import os
import weakref
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from . import __version__, agenda, belanja, classify, indicators, quality, usulan
from . import wilayah as wil
from .errors import ParameterError
from .indicators import Catalogue
from .store import Dataset

#: Indonesian display labels of the columns the views show (see :func:`label`).
LABELS: dict[str, str] = {
    "kode_desa": "Kode desa",
    "nama_desa": "Desa/kelurahan",
    "jenis": "Jenis",
    "kode_wilayah": "Kode wilayah",
    "nama_wilayah": "Wilayah",
    "kode_kecamatan": "Kode kecamatan",
    "nama_kecamatan": "Kecamatan",
    "tingkat": "Tingkat",
    "tahun": "Tahun",
    "indikator": "Indikator",
    "nama_indikator": "Nama indikator",
    "sektor": "Sektor",
    "label_sektor": "Sektor",
    "pembilang": "Pembilang",
    "penyebut": "Penyebut",
    "nilai": "Nilai",
    "target": "Target",
    "sumber_target": "Sumber target",
    "tag_target": "Jenis target",
    "arah": "Arah",
    "kelas": "Kelas",
    "label_kelas": "Capaian",
    "metode": "Metode",
    "stabil": "Stabil",
    "skor": "Skor sektor",
    "indeks_capaian": "Indeks Capaian Layanan Dasar",
    "n_sektor": "Jumlah sektor berdata",
    "kesenjangan": "Kesenjangan",
    "porsi_layanan_dasar": "Porsi belanja layanan dasar (%)",
    "kuadran": "Kuadran",
    "label_kuadran": "Kuadran",
    "nilai_awal": "Nilai awal",
    "nilai_akhir": "Nilai akhir",
    "perubahan": "Perubahan (poin)",
    "tren": "Tren",
    "label_tren": "Tren",
    "komponen": "Komponen",
    "label": "Komponen",
    "kelompok": "Kelompok",
    "anggaran": "Anggaran (Rp)",
    "realisasi": "Realisasi (Rp)",
    "porsi": "Porsi (%)",
    "aturan": "Aturan",
    "nama_aturan": "Aturan",
    "jumlah": "Jumlah (Rp)",
    "batas_bawah": "Batas bawah (%)",
    "batas_atas": "Batas atas (%)",
    "dasar_hukum": "Dasar hukum",
    "patuh": "Patuh",
    "pesan": "Keterangan",
    "kelas_belanja": "Kelas belanja",
    "label_belanja": "Kualitas belanja",
    "alasan": "Alasan",
    "idm": "IDM",
    "status_idm": "Status IDM (dihitung)",
    "status_idm_resmi": "Status IDM (resmi)",
    "status_indeks_desa": "Status Indeks Desa",
    "prioritas": "Prioritas",
    "jenis_agenda": "Jenis agenda",
    "penanggung_jawab": "Penanggung jawab",
    "sub_bidang_apbdes": "Sub-bidang APBDes yang disarankan",
    "keterangan": "Keterangan",
    "tabel": "Tabel",
    "kolom": "Kolom",
    "tingkat_temuan": "Tingkat",
    "ukuran": "Ukuran",
    "n_desa": "Jumlah desa",
    "n_desa_data": "Desa berdata",
}


def label(df: pd.DataFrame, extra: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with Indonesian display labels as column names.

    >>> list(label(pd.DataFrame(columns=["kode_desa", "nilai", "lain"])).columns)
    ['Kode desa', 'Nilai', 'lain']
    """
    names = {**LABELS, **(extra or {})}
    return df.rename(columns={c: names.get(c, c) for c in df.columns})


# --------------------------------------------------------------------------- whole-dataset analysis


@dataclass(frozen=True)
class Analysis:
    """Every computed table of a dataset (all desa, all years).

    ``values``: classified desa indicator values; ``wilayah_values``:
    classified Σ/Σ aggregates per kecamatan and kabupaten; ``scores`` and
    ``composite``: sector scores and Indeks Capaian per desa-year;
    ``mapped``: APBDes lines with sector and group; ``spending``: BEL01–BEL10
    per desa-year; ``composition``: spending mix; ``compliance``: fiscal
    rules per desa-year; ``spending_quality``: class per desa-year;
    ``status``: IDM status; ``findings``: data-quality findings;
    ``proposals``: community proposals per desa, sector and year;
    ``need_demand``: need–demand–supply class per desa, sector and year;
    ``budget_answering``: share of the basic-service budget answering a proposal.
    """

    catalogue: pd.DataFrame
    values: pd.DataFrame
    wilayah_values: pd.DataFrame
    scores: pd.DataFrame
    composite: pd.DataFrame
    mapped: pd.DataFrame
    spending: pd.DataFrame
    composition: pd.DataFrame
    compliance: pd.DataFrame
    spending_quality: pd.DataFrame
    status: pd.DataFrame
    findings: pd.DataFrame
    proposals: pd.DataFrame
    need_demand: pd.DataFrame
    budget_answering: pd.DataFrame


def _catalogue(catalogue: Catalogue | pd.DataFrame | None, targets: Mapping[str, float] | None) -> pd.DataFrame:
    cat = indicators.catalogue_frame(catalogue if catalogue is not None else indicators.load_catalogue())
    if not targets:
        return cat
    unknown = sorted(set(targets) - set(cat["id"]))
    if unknown:
        raise ParameterError(f"Target untuk indikator yang tidak dikenal: {', '.join(unknown)}.")
    new_target = cat["id"].map(dict(targets)).astype("Float64")
    changed = new_target.notna()
    return cat.assign(
        target=new_target.where(changed, cat["target"]),
        sumber_target=cat["sumber_target"].astype("string").where(~changed, "Diubah pengguna (mode pelatih)"),
        tag_target=cat["tag_target"].astype("string").where(~changed, "proposed"),
    )


@lru_cache(maxsize=1)
def _empty_demand_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The demand-side tables of a dataset without proposals: no rows, the usual columns and dtypes."""
    empty = Dataset()
    cat = indicators.catalogue_frame(indicators.load_catalogue())
    classified = classify.traffic_light(indicators.desa_values(empty.layanan, cat), cat)
    mapped = belanja.map_apbdes(empty.apbdes)
    shares = usulan.sector_shares(mapped)
    return (
        usulan.proposal_summary(empty.usulan),
        usulan.need_demand_supply(classified, empty.usulan, shares, None),
        usulan.budget_answering_proposals(mapped, empty.usulan),
    )


def _default_workers() -> int:
    """Threads :func:`analyse` uses: 3 (its independent parts) on a machine with 2 CPUs or more, else 1."""
    return 3 if (os.cpu_count() or 1) >= 2 else 1


def analyse(
    dataset: Dataset,
    *,
    catalogue: Catalogue | pd.DataFrame | None = None,
    bands: Mapping[str, Any] | None = None,
    targets: Mapping[str, float] | None = None,
    demand: bool = True,
    workers: int | None = None,
) -> Analysis:
    """Run every library computation over ``dataset`` (pure; nothing is cached here).

    ``bands`` overrides the traffic-light bands (``kuning_naik``,
    ``kuning_turun``, ``tersil_min_desa``); ``targets`` overrides indicator
    targets (trainer mode: the overridden targets are tagged *proposed* with
    source "Diubah pengguna"). ``demand=False`` skips the demand side
    (community proposals): ``proposals``, ``need_demand`` and
    ``budget_answering`` are then empty tables with their usual columns.

    The independent parts (service indicators and their classes; APBDes
    mapping and spending; the data-quality checks of the service table and of
    the APBDes lines) run in ``workers`` threads (default 3 when the machine
    has 2 CPUs or more; ``1`` runs them one after the other). The heavy work
    is numpy, pandas and Arrow code that releases the GIL, so on two cores the
    whole demo takes about half the time; the results are the same whatever
    ``workers`` is (tested).
    """
    n_workers = _default_workers() if workers is None else int(workers)
    if n_workers < 1:
        raise ParameterError(f"Jumlah workers harus minimal 1 (diberikan: {workers}).")
    cat = _catalogue(catalogue, targets)
    w = dataset.wilayah

    def service() -> tuple[pd.DataFrame, ...]:
        values = indicators.desa_values(dataset.layanan, cat)
        classified = classify.traffic_light(values, cat, bands)
        agg = indicators.aggregate(values, w, ["kecamatan", "kabupaten"], cat) if len(w) else values.iloc[:0]
        wilayah_values = classify.traffic_light(agg, cat, bands) if len(agg) else agg
        scores = classify.sector_scores(values, cat)
        return classified, wilayah_values, scores, classify.composite_index(scores)

    def spending_part(mapped: pd.DataFrame, pool: Any = None) -> tuple[pd.DataFrame, ...]:
        spending, composition, compliance, summary = belanja.spending_tables_with_summary(
            mapped, dataset.layanan, executor=pool)
        wide = summary.assign(kode_kabupaten=summary["kode_desa"].str.slice(0, 5))
        spending_quality = classify.spending_quality_class(wide) if len(wide) else wide
        return spending, composition, compliance, spending_quality

    plan = quality.CheckPlan(dataset, cat)

    def demand_part(classified: pd.DataFrame, mapped: pd.DataFrame, pool: Any = None) -> tuple[pd.DataFrame, ...]:
        if not demand:
            return tuple(t.copy() for t in _empty_demand_tables())
        answering = pool.submit(usulan.budget_answering_proposals, mapped, dataset.usulan) if pool else None
        proposals = usulan.proposal_summary(dataset.usulan)
        shares = usulan.sector_shares(mapped)
        need_demand = usulan.need_demand_supply(classified, dataset.usulan, shares, w if len(w) else None)
        budget_answering = (answering.result() if answering is not None
                            else usulan.budget_answering_proposals(mapped, dataset.usulan))
        return proposals, need_demand, budget_answering

    if n_workers == 1:
        classified, wilayah_values, scores, composite = service()
        mapped = belanja.map_apbdes(dataset.apbdes, w)
        spending, composition, compliance, spending_quality = spending_part(mapped)
        findings = plan.combine(plan.apbdes_part(), plan.layanan_part())
        proposals, need_demand, budget_answering = demand_part(classified, mapped)
    else:
        # Only this thread submits work and waits for it: a pool task never waits for another, so any
        # pool size is free of deadlocks.
        with ThreadPoolExecutor(max_workers=n_workers - 1, thread_name_prefix="p3pd-analyse") as pool:
            # The spending chain (the longest) runs here; everything else in the pool.
            f_service = pool.submit(service)
            f_apbdes_checks = pool.submit(plan.apbdes_part)
            f_layanan_checks = pool.submit(plan.layanan_part)
            mapped = belanja.map_apbdes(dataset.apbdes, w)
            spending, composition, compliance, spending_quality = spending_part(mapped, pool)
            classified, wilayah_values, scores, composite = f_service.result()
            findings = plan.combine(f_apbdes_checks.result(), f_layanan_checks.result())
            proposals, need_demand, budget_answering = demand_part(classified, mapped, pool)

    status = dataset.status_desa.assign(status_idm_dihitung=classify.idm_status(dataset.status_desa["idm"]))
    return Analysis(
        catalogue=cat, values=classified, wilayah_values=wilayah_values, scores=scores, composite=composite,
        mapped=mapped, spending=spending, composition=composition, compliance=compliance,
        spending_quality=spending_quality, status=status, findings=findings,
        proposals=proposals, need_demand=need_demand, budget_answering=budget_answering,
    )


# --------------------------------------------------------------------------- per-kabupaten cache


class _KabupatenIndex:
    """Row positions of each kabupaten in each table, built once per dataset."""

    def __init__(self, dataset: Dataset):
        self.positions: dict[str, dict[str, np.ndarray]] = {}
        for name, df in dataset.tables().items():
            if df.empty:
                self.positions[name] = {}
                continue
            kab = df["kode_desa"].astype("string").str.slice(0, 5)
            codes, uniques = pd.factorize(kab)
            order = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
            self.positions[name] = {
                str(u): order[bounds[i]: bounds[i + 1]] for i, u in enumerate(uniques) if isinstance(u, str)
            }

    def subset(self, dataset: Dataset, kode_kabupaten: str) -> Dataset:
        parts = {}
        for name, df in dataset.tables().items():
            pos = self.positions[name].get(kode_kabupaten)
            parts[name] = df.iloc[pos].reset_index(drop=True) if pos is not None else df.iloc[:0]
        return Dataset(**parts, meta=dataset.meta)


_INDEXES: "weakref.WeakKeyDictionary[Any, _KabupatenIndex]" = weakref.WeakKeyDictionary()
_RESULTS: "OrderedDict[tuple, tuple[Any, Any]]" = OrderedDict()
_MAX_RESULTS = 8


class _Handle:
    """Weak-referenceable identity of a Dataset (Dataset itself is unhashable)."""


_HANDLES: dict[int, tuple[weakref.ref, _Handle]] = {}


def _handle(dataset: Dataset) -> _Handle:
    entry = _HANDLES.get(id(dataset))
    if entry is not None and entry[0]() is dataset:
        return entry[1]
    h = _Handle()
    _HANDLES[id(dataset)] = (weakref.ref(dataset), h)
    return h


def _freeze(m: Mapping[str, Any] | None) -> tuple:
    return tuple(sorted((m or {}).items()))


def kabupaten_analysis(
    dataset: Dataset,
    kode_kabupaten: str,
    *,
    catalogue: Catalogue | pd.DataFrame | None = None,
    bands: Mapping[str, Any] | None = None,
    targets: Mapping[str, float] | None = None,
) -> tuple[Dataset, Analysis]:
    """The kabupaten's slice of ``dataset`` and its :func:`analyse` result (cached in-process)."""
    return _kabupaten_entry(dataset, kode_kabupaten, catalogue, bands, targets)[0]


def _kabupaten_entry(
    dataset: Dataset,
    kode_kabupaten: str,
    catalogue: Catalogue | pd.DataFrame | None,
    bands: Mapping[str, Any] | None,
    targets: Mapping[str, float] | None,
) -> tuple[tuple[Dataset, Analysis], "_KecamatanSlices"]:
    """The cached (slice, analysis) of a kabupaten and the helpers its kecamatan views share."""
    h = _handle(dataset)
    key = (id(h), kode_kabupaten, id(catalogue) if catalogue is not None else None, _freeze(bands), _freeze(targets))
    hit = _RESULTS.get(key)
    if hit is not None and hit[0]() is h:
        _RESULTS.move_to_end(key)
        return hit[1], hit[2]
    index = _INDEXES.get(h)
    if index is None:
        index = _INDEXES[h] = _KabupatenIndex(dataset)
    sub = index.subset(dataset, kode_kabupaten)
    result = (sub, analyse(sub, catalogue=catalogue, bands=bands, targets=targets))
    slices = _KecamatanSlices()
    _RESULTS[key] = (weakref.ref(h), result, slices)
    while len(_RESULTS) > _MAX_RESULTS:
        _RESULTS.popitem(last=False)
    return result, slices


class _KecamatanSlices:
    """What every kecamatan view of one cached kabupaten analysis shares, computed once.

    - Row positions of each kecamatan (and year) in the kabupaten's tables, so a
      view takes its rows instead of testing every code of the kabupaten again.
    - Values at kabupaten level for a year (e.g. the kabupaten's need–demand
      class counts), identical for every kecamatan of the kabupaten.

    Lives as long as the cached analysis whose tables it indexes (the tables are
    held here too, so an ``id`` is never mistaken for another table's).
    """

    def __init__(self) -> None:
        self._positions: dict[tuple[int, str], tuple[pd.DataFrame, dict[Any, np.ndarray]]] = {}
        self._values: dict[Any, Any] = {}

    def _index(self, df: pd.DataFrame, by: str) -> dict[Any, np.ndarray]:
        hit = self._positions.get((id(df), by))
        if hit is not None and hit[0] is df:
            return hit[1]
        kec = df["kode_desa"].astype("string").str.slice(0, 9)
        if by == "kecamatan":
            keys = kec
        else:  # kecamatan and year
            keys = kec + "|" + df["tahun"].astype("Int64").astype("string")
        codes, uniques = pd.factorize(keys)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        positions = {u: order[bounds[i]: bounds[i + 1]] for i, u in enumerate(uniques) if isinstance(u, str)}
        self._positions[(id(df), by)] = (df, positions)
        return positions

    def rows(self, df: pd.DataFrame, kode: str, tahun: int | None = None) -> pd.DataFrame:
        """Rows of ``df`` whose ``kode_desa`` is under kecamatan ``kode`` (and of year ``tahun``), in table order.

        The same rows as ``_in_kecamatan`` (and then ``_year``) select, index reset.
        """
        if df.empty:
            return df.reset_index(drop=True) if tahun is None else df.iloc[:0].reset_index(drop=True)
        if tahun is None:
            pos = self._index(df, "kecamatan").get(kode + ".")
        else:
            pos = self._index(df, "kecamatan+tahun").get(f"{kode}.|{int(tahun)}")
        if pos is None:
            return df.iloc[:0].reset_index(drop=True)
        return df.iloc[pos].reset_index(drop=True)

    def value(self, key: Any, compute: Any) -> Any:
        """``compute()`` once per key (kabupaten-level results shared by the kecamatan views)."""
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]


def clear_cache() -> None:
    """Forget cached per-kabupaten and per-province results (after the store changed)."""
    _RESULTS.clear()
    _INDEXES.clear()
    _PROVINCE_CACHE.clear()


# --------------------------------------------------------------------------- kecamatan view


@dataclass(frozen=True)
class KecamatanView:
    """Everything one kecamatan's view shows for one year (see docs/architecture.md)."""

    kode_kecamatan: str
    tahun: int
    tahun_tersedia: list[int]
    identitas: dict[str, Any]
    ringkasan: pd.DataFrame
    desa: pd.DataFrame
    capaian: pd.DataFrame
    capaian_wilayah: pd.DataFrame
    skor_sektor: pd.DataFrame
    indeks: pd.DataFrame
    tren: pd.DataFrame
    tren_desa: pd.DataFrame
    belanja: pd.DataFrame
    komposisi_belanja: pd.DataFrame
    aturan_belanja: pd.DataFrame
    kualitas_belanja: pd.DataFrame
    kuadran: pd.DataFrame
    kuadran_split: dict[str, Any]
    status_desa: pd.DataFrame
    agenda: pd.DataFrame
    kualitas: pd.DataFrame
    kamus: pd.DataFrame
    usulan: pd.DataFrame
    kebutuhan_usulan: pd.DataFrame
    usulan_wilayah: pd.DataFrame
    parameter: dict[str, Any] = field(default_factory=dict)


def _in_kecamatan(df: pd.DataFrame, kode: str, column: str = "kode_desa") -> pd.DataFrame:
    if df.empty:
        return df
    mask = df[column].astype("string").str.startswith(kode + ".").fillna(False).to_numpy(dtype=bool)
    return df.loc[mask].reset_index(drop=True)


def _year(df: pd.DataFrame, tahun: int) -> pd.DataFrame:
    return df.loc[(df["tahun"] == tahun).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def _with_names(df: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """``df`` with ``nama_desa`` (from ``names``, indexed by unique desa code) right after ``kode_desa``.

    A code without a name reads "<code> (kode tidak resmi)".

    >>> t = pd.DataFrame({"kode_desa": ["1", "9"], "x": [1, 2]})
    >>> _with_names(t, pd.Series(["A"], index=["1"])).values.tolist()
    [['1', 'A', 1], ['9', '9 (kode tidak resmi)', 2]]
    """
    kode = df["kode_desa"]
    # One positional lookup and a take (a report's dozen Series.map calls cost more than the view's own logic).
    at = names.index.get_indexer(kode)
    found = names.to_numpy(dtype=object, na_value=None)[np.where(at >= 0, at, 0)] if len(names) else np.full(len(df), None)
    found = np.where(at >= 0, found, None)
    nama = pd.array(found, dtype="string")
    missing = nama.isna()
    if missing.any():
        fallback = kode.astype("string").array + " (kode tidak resmi)"
        nama[missing] = fallback[missing]
    out = df.drop(columns="nama_desa") if "nama_desa" in df.columns else df.copy(deep=False)
    out.insert(list(out.columns).index("kode_desa") + 1, "nama_desa", nama)
    return out


def _check_code(kode_kecamatan: str) -> str:
    try:
        kode = wil.normalize_code(kode_kecamatan)
    except ParameterError:
        raise
    if wil.level(kode) != 2:
        raise ParameterError(f"Kode '{kode_kecamatan}' bukan kode kecamatan (contoh kode kecamatan: 33.07.01).")
    return kode


def _fmt_num(x: Any, decimals: int = 1) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return "tidak ada data"
    s = f"{float(x):,.{decimals}f}"
    return s.replace(",", "_").replace(".", ",").replace("_", ".")


def _ratio(num: pd.Series, den: pd.Series) -> float:
    n, d = num.astype("Float64").sum(skipna=True), den.astype("Float64").sum(skipna=True)
    return float(n) / float(d) * 100 if d else float("nan")


def kecamatan_view(
    dataset: Dataset,
    kode_kecamatan: str,
    tahun: int | None = None,
    *,
    catalogue: Catalogue | pd.DataFrame | None = None,
    bands: Mapping[str, Any] | None = None,
    targets: Mapping[str, float] | None = None,
    split_x: float | None = None,
    split_y: float | None = None,
) -> KecamatanView:
    """Everything a kecamatan view needs for ``tahun`` (default: the latest year with data).

    Raises :class:`~p3pd_lib.errors.ParameterError` (Indonesian) for a code
    that is not a kecamatan, a kecamatan without data, or a year without data.
    ``bands``/``targets`` override the traffic-light bands and indicator
    targets (trainer mode); ``split_x``/``split_y`` fix the quadrant splits
    (default: the kecamatan median).
    """
    kode = _check_code(kode_kecamatan)
    kode_kab = kode[:5]
    (sub, res), kab = _kabupaten_entry(dataset, kode_kab, catalogue, bands, targets)
    desa = kab.rows(sub.wilayah, kode)
    if desa.empty:
        nama = wil.name(kode) if wil.is_official(kode) else None
        where = f"Kecamatan {nama} ({kode})" if nama else f"Kode {kode}"
        raise ParameterError(f"{where} tidak ada dalam data yang dimuat.")
    years = sorted(
        {int(y) for name in ("layanan", "apbdes", "status_desa") for y in kab.rows(sub.table(name), kode)["tahun"].dropna().unique()}
    )
    if not years:
        raise ParameterError(f"Belum ada data layanan, APBDes atau status desa untuk kecamatan {kode}.")
    if tahun is None:
        tahun = years[-1]
    if not isinstance(tahun, (int, np.integer)) or int(tahun) not in years:
        raise ParameterError(
            f"Tahun {tahun!r} tidak tersedia untuk kecamatan {kode}. Tahun yang tersedia: "
            f"{', '.join(map(str, years))}."
        )
    tahun = int(tahun)
    names = desa.set_index("kode_desa")["nama_desa"]
    cat = res.catalogue
    nama_ind = cat.set_index("id")["nama"]

    capaian = _with_names(kab.rows(res.values, kode, tahun), names)
    capaian = capaian.assign(nama_indikator=capaian["indikator"].map(nama_ind).astype("string"))

    wv = res.wilayah_values
    kec_kab = wv[(wv["kode_wilayah"] == kode) | (wv["kode_wilayah"] == kode_kab)]
    prov = _province_values(dataset, kode[:2], cat, bands)
    capaian_wilayah = pd.concat([kec_kab, prov], ignore_index=True)
    tren = capaian_wilayah[["tahun", "indikator", "sektor", "tingkat", "kode_wilayah", "nama_wilayah", "nilai", "kelas"]]
    tren = tren.assign(nama_indikator=tren["indikator"].map(nama_ind).astype("string")).sort_values(
        ["indikator", "tingkat", "tahun"], kind="stable"
    ).reset_index(drop=True)
    capaian_wilayah = _year(capaian_wilayah, tahun).assign(
        nama_indikator=lambda d: d["indikator"].map(nama_ind).astype("string")
    )

    skor = _with_names(kab.rows(res.scores, kode, tahun), names)
    indeks = _with_names(kab.rows(res.composite, kode, tahun), names)
    first = years[0]
    if first < tahun:
        # Desa by desa: computed once for the whole kabupaten, then this kecamatan's rows taken.
        tren_kab = kab.value(("tren", first, tahun), lambda: classify.trend(res.values, first, tahun, catalogue=cat))
        tren_desa = _with_names(kab.rows(tren_kab, kode), names).assign(
            nama_indikator=lambda d: d["indikator"].map(nama_ind).astype("string")
        )
    else:
        tren_desa = pd.DataFrame(columns=["kode_desa", "nama_desa", "indikator", "nilai_awal", "nilai_akhir", "tren"])

    belanja_t = _with_names(kab.rows(res.spending, kode, tahun), names)
    komposisi = _with_names(kab.rows(res.composition, kode, tahun), names)
    aturan = _with_names(kab.rows(res.compliance, kode), names)
    kualitas_belanja = _with_names(kab.rows(res.spending_quality, kode, tahun), names) \
        if len(res.spending_quality) else res.spending_quality

    bel01 = belanja_t[belanja_t["indikator"] == "BEL01"][["kode_desa", "nilai"]].rename(columns={"nilai": "bel01"})
    gap = indeks[["kode_desa", "nama_desa", "tahun", "kesenjangan"]].merge(bel01, on="kode_desa", how="left")
    kuadran_tab, split = classify.quadrant(gap, split_x=split_x, split_y=split_y)
    kuadran_tab = kuadran_tab.rename(columns={"bel01": "porsi_layanan_dasar"})

    status = _with_names(kab.rows(res.status, kode, tahun), names)
    status = status.rename(columns={"status_idm": "status_idm_resmi", "status_idm_dihitung": "status_idm"})
    status = status[["kode_desa", "nama_desa", "idm", "status_idm", "status_idm_resmi", "status_indeks_desa",
                     "iks", "ike", "ikl"]]

    usulan_t = _with_names(kab.rows(res.proposals, kode, tahun), names)
    kebutuhan = kab.rows(res.need_demand, kode, tahun)
    kebutuhan = _with_names(kebutuhan.drop(columns=["nama_desa"], errors="ignore"), names)
    usulan_wilayah, extra = pd.DataFrame(), None
    if len(kebutuhan):
        # Area counts and agenda rows go area by area and desa by desa: computed once per kabupaten.
        kab_usulan = kab.value(("usulan", tahun), lambda: _kabupaten_usulan(res, sub, tahun))
        kec_counts = kab_usulan["kecamatan"]
        usulan_wilayah = pd.concat(
            [kec_counts[(kec_counts["kode_wilayah"] == kode).to_numpy(dtype=bool)], kab_usulan["kabupaten"]],
            ignore_index=True,
        )
        extra = kab.rows(kab_usulan["agenda"], kode)
        if extra.empty:
            extra = usulan.agenda_rows(kebutuhan, sub.wilayah)  # the library's own empty table

    rules_t = _year(aturan, tahun)
    agenda_tab = agenda.agenda_terpadu(capaian, quadrants=kuadran_tab, rules=rules_t, extra_rows=extra)

    kualitas = kab.rows(res.findings, kode)
    kamus = cat[["id", "sektor", "label_sektor", "nama", "pembilang", "penyebut", "faktor", "arah", "target",
                 "sumber_target", "tag_target", "min_penyebut", "keterangan"]].rename(columns={"id": "indikator"})

    first_row = desa.iloc[0]
    identitas = {
        "kode_kecamatan": kode,
        "nama_kecamatan": str(first_row["nama_kecamatan"]),
        "kode_kabupaten": kode_kab,
        "nama_kabupaten": str(first_row["nama_kabupaten"]),
        "kode_provinsi": kode[:2],
        "nama_provinsi": str(first_row["nama_provinsi"]),
        "n_desa": int((desa["jenis"] == "desa").sum()),
        "n_kelurahan": int((desa["jenis"] == "kelurahan").sum()),
        "simulasi": dataset.simulasi,
        "fingerprint": dataset.fingerprint,
        "versi_kit": __version__,
    }
    ringkasan = _ringkasan(identitas, kab.rows(sub.layanan, kode, tahun), tahun, capaian, capaian_wilayah, belanja_t,
                           aturan, agenda_tab, kualitas)
    return KecamatanView(
        kode_kecamatan=kode, tahun=tahun, tahun_tersedia=years, identitas=identitas, ringkasan=ringkasan,
        desa=desa[["kode_desa", "nama_desa", "jenis"]], capaian=capaian, capaian_wilayah=capaian_wilayah,
        skor_sektor=skor, indeks=indeks, tren=tren, tren_desa=tren_desa, belanja=belanja_t,
        komposisi_belanja=komposisi, aturan_belanja=aturan, kualitas_belanja=kualitas_belanja,
        kuadran=kuadran_tab, kuadran_split=split, status_desa=status, agenda=agenda_tab, kualitas=kualitas,
        kamus=kamus, usulan=usulan_t, kebutuhan_usulan=kebutuhan, usulan_wilayah=usulan_wilayah,
        parameter={"bands": dict(bands or {}), "targets": dict(targets or {}), "split_x": split_x, "split_y": split_y},
    )


def _kabupaten_usulan(res: Analysis, sub: Dataset, tahun: int) -> dict[str, pd.DataFrame]:
    """Need–demand class counts per kecamatan and for the kabupaten, and the agenda rows of every desa, for one year."""
    need = _year(res.need_demand, tahun)
    named = _with_names(need.drop(columns=["nama_desa"], errors="ignore"), sub.wilayah.set_index("kode_desa")["nama_desa"])
    return {
        "kecamatan": usulan.aggregate_classes(named, sub.wilayah, tingkat="kecamatan"),
        "kabupaten": usulan.aggregate_classes(need, sub.wilayah, tingkat="kabupaten"),
        "agenda": usulan.agenda_rows(named, sub.wilayah),
    }


_PROVINCE_CACHE: "OrderedDict[tuple, tuple[Any, pd.DataFrame]]" = OrderedDict()


def _province_values(dataset: Dataset, kode_provinsi: str, cat: pd.DataFrame, bands: Mapping[str, Any] | None) -> pd.DataFrame:
    """Classified Σ/Σ values of the whole province (all years), cached per dataset."""
    h = _handle(dataset)
    key = (id(h), kode_provinsi, tuple(cat["target"].astype("Float64").fillna(-1).tolist()), _freeze(bands))
    hit = _PROVINCE_CACHE.get(key)
    if hit is not None and hit[0]() is h:
        return hit[1]
    lay = dataset.layanan
    lay = lay[lay["kode_desa"].astype("string").str.startswith(kode_provinsi + ".").fillna(False).to_numpy(dtype=bool)]
    w = dataset.wilayah
    w = w[w["kode_provinsi"] == kode_provinsi]
    values = indicators.desa_values(lay, cat)
    out = classify.traffic_light(indicators.aggregate(values, w, "provinsi", cat), cat, bands) if len(w) else values.iloc[:0]
    _PROVINCE_CACHE[key] = (weakref.ref(h), out)
    while len(_PROVINCE_CACHE) > 4:
        _PROVINCE_CACHE.popitem(last=False)
    return out


def _ringkasan(identitas, lay, tahun, capaian, capaian_wilayah, belanja_t, aturan, agenda_tab, kualitas) -> pd.DataFrame:
    kec = capaian_wilayah[capaian_wilayah["tingkat"] == "kecamatan"]
    n_merah = int((capaian["kelas"] == "merah").sum())
    n_nilai = int(capaian["nilai"].notna().sum())
    desa_merah = capaian.loc[capaian["kelas"] == "merah", "kode_desa"].nunique()

    def share(ind: str) -> float:
        rows = belanja_t[belanja_t["indikator"] == ind]
        return _ratio(rows["pembilang"], rows["penyebut"])

    rules_t = _year(aturan, tahun)
    personel = rules_t[rules_t["aturan"] == "PERSONEL"]
    dd = rules_t[rules_t["aturan"] != "PERSONEL"]
    n_dd_breach = dd.loc[dd["patuh"].astype("boolean").eq(False).fillna(False), "kode_desa"].nunique()
    n_pers_breach = int(personel["patuh"].astype("boolean").eq(False).fillna(False).sum())
    kec_kes01 = kec.loc[kec["indikator"] == "KES01", "nilai"]
    rows = [
        ("Desa / kelurahan", f"{identitas['n_desa']} desa, {identitas['n_kelurahan']} kelurahan", "Daftar resmi Kepmendagri 300.2.2-2138/2025"),
        ("Penduduk", _fmt_num(lay["penduduk"].astype("Float64").sum(), 0) + " jiwa", f"Jumlah dari data layanan desa tahun {tahun}"),
        ("Indikator merah", f"{n_merah} dari {n_nilai} nilai", f"{desa_merah} desa punya sekurang-kurangnya satu indikator merah"),
        ("Prevalensi stunting kecamatan", _fmt_num(kec_kes01.iloc[0] if len(kec_kes01) else float("nan")) + " %",
         "Σ balita stunting / Σ balita diukur; target 14 % (RPJMN 2020–2024)"),
        ("Porsi belanja layanan dasar", _fmt_num(share("BEL01")) + " %", "Σ belanja layanan dasar / Σ belanja desa (BEL01)"),
        ("Porsi siltap & tunjangan", _fmt_num(share("BEL07")) + " %", f"BEL07; {n_pers_breach} desa melebihi batas 30 % (PP 11/2019)"),
        ("Desa melanggar aturan Dana Desa", f"{n_dd_breach} desa", f"Aturan penggunaan Dana Desa tahun {tahun}"),
        ("Baris agenda terpadu", str(len(agenda_tab)), "Indikator merah, aturan belanja yang dilanggar, usulan masyarakat yang perlu ditindaklanjuti"),
        ("Temuan kualitas data", f"{int((kualitas['tingkat'] == 'galat').sum())} galat, "
         f"{int((kualitas['tingkat'] == 'peringatan').sum())} peringatan", "Semua tahun"),
    ]
    return pd.DataFrame(rows, columns=["ukuran", "nilai", "keterangan"])


# --------------------------------------------------------------------------- kabupaten view


@dataclass(frozen=True)
class KabupatenView:
    """The kecamatan of one kabupaten side by side for one year."""

    kode_kabupaten: str
    tahun: int
    tahun_tersedia: list[int]
    identitas: dict[str, Any]
    kecamatan: pd.DataFrame
    capaian: pd.DataFrame
    kuadran: pd.DataFrame
    aturan: pd.DataFrame


def kabupaten_view(
    dataset: Dataset,
    kode_kabupaten: str,
    tahun: int | None = None,
    *,
    catalogue: Catalogue | pd.DataFrame | None = None,
) -> KabupatenView:
    """Rankings, quadrant counts and spending-rule compliance of every kecamatan of a kabupaten.

    ``kecamatan``: one row per kecamatan (``kode_kecamatan, nama_kecamatan,
    n_desa, indeks_capaian`` — mean of the desa composite indices —,
    ``n_merah, porsi_layanan_dasar, porsi_siltap`` (Σ/Σ), ``peringkat`` by
    indeks); ``capaian``: classified Σ/Σ values per kecamatan and indicator;
    ``kuadran``: number of desa per quadrant label per kecamatan; ``aturan``:
    number of desa breaching each rule per kecamatan.
    """
    kode = wil.normalize_code(kode_kabupaten)
    if wil.level(kode) != 1:
        raise ParameterError(f"Kode '{kode_kabupaten}' bukan kode kabupaten/kota (contoh: 33.07).")
    sub, res = kabupaten_analysis(dataset, kode, catalogue=catalogue)
    if sub.wilayah.empty:
        raise ParameterError(f"Kabupaten/kota {kode} tidak ada dalam data yang dimuat.")
    years = sorted({int(y) for name in ("layanan", "apbdes") for y in sub.table(name)["tahun"].dropna()})
    if not years:
        raise ParameterError(f"Belum ada data untuk kabupaten/kota {kode}.")
    if tahun is None:
        tahun = years[-1]
    if int(tahun) not in years:
        raise ParameterError(f"Tahun {tahun} tidak tersedia. Tahun yang tersedia: {', '.join(map(str, years))}.")
    tahun = int(tahun)
    w = sub.wilayah
    kec = w.groupby(["kode_kecamatan", "nama_kecamatan"], observed=True).agg(
        n_desa=("jenis", lambda s: int((s == "desa").sum())), n_kelurahan=("jenis", lambda s: int((s == "kelurahan").sum()))
    ).reset_index()
    kec_of = w.set_index("kode_desa")["kode_kecamatan"]

    comp = _year(res.composite, tahun).assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of))
    idx = comp.groupby("kode_kecamatan")["indeks_capaian"].mean().rename("indeks_capaian")
    vals = _year(res.values, tahun).assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of))
    merah = vals[vals["kelas"] == "merah"].groupby("kode_kecamatan").size().rename("n_merah")
    sp = _year(res.spending, tahun).assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of))
    shares = {}
    for ind, col in (("BEL01", "porsi_layanan_dasar"), ("BEL07", "porsi_siltap")):
        s = sp[sp["indikator"] == ind].groupby("kode_kecamatan")[["pembilang", "penyebut"]].sum()
        shares[col] = (s["pembilang"].astype("Float64") / s["penyebut"].astype("Float64").replace(0, pd.NA) * 100)
    table = kec.set_index("kode_kecamatan").join(idx).join(merah).join(pd.DataFrame(shares))
    table["n_merah"] = table["n_merah"].fillna(0).astype("Int64")
    table = table.reset_index()
    table["peringkat"] = table["indeks_capaian"].rank(ascending=False, method="min").astype("Int64")
    table = table.sort_values(["peringkat", "kode_kecamatan"], na_position="last").reset_index(drop=True)

    wv = _year(res.wilayah_values, tahun)
    capaian = wv[wv["tingkat"] == "kecamatan"].reset_index(drop=True)

    bel01 = sp[sp["indikator"] == "BEL01"][["kode_desa", "nilai"]].rename(columns={"nilai": "bel01"})
    gap = comp[["kode_desa", "tahun", "kesenjangan"]].merge(bel01, on="kode_desa", how="left")
    quad, _ = classify.quadrant(gap)
    quad = quad.assign(kode_kecamatan=quad["kode_desa"].map(kec_of))
    kuadran = quad.pivot_table(index="kode_kecamatan", columns="label_kuadran", values="kode_desa",
                               aggfunc="count", fill_value=0, observed=True).reset_index()

    rules = _year(res.compliance, tahun).assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of))
    rules = rules.assign(_langgar=rules["patuh"].astype("boolean").eq(False).fillna(False))
    aturan = rules.pivot_table(index="kode_kecamatan", columns="aturan", values="_langgar", aggfunc="sum",
                               fill_value=0, observed=True).reset_index()

    first = w.iloc[0]
    identitas = {
        "kode_kabupaten": kode, "nama_kabupaten": str(first["nama_kabupaten"]),
        "kode_provinsi": kode[:2], "nama_provinsi": str(first["nama_provinsi"]),
        "n_kecamatan": int(len(kec)), "n_desa": int(kec["n_desa"].sum()), "n_kelurahan": int(kec["n_kelurahan"].sum()),
        "simulasi": dataset.simulasi, "fingerprint": dataset.fingerprint, "versi_kit": __version__,
    }
    return KabupatenView(kode_kabupaten=kode, tahun=tahun, tahun_tersedia=years, identitas=identitas,
                         kecamatan=table, capaian=capaian, kuadran=kuadran, aturan=aturan)


# --------------------------------------------------------------------------- long export (CLI `p3pd analisis`)

LONG_COLUMNS = ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "indikator", "pembilang", "penyebut", "nilai",
                "target", "kelas"]


def long_results(view: KecamatanView, dataset: Dataset) -> pd.DataFrame:
    """Long-format results of a kecamatan view for export.

    Columns ``kode_wilayah, nama_wilayah, tingkat (desa/kecamatan/kabupaten),
    tahun, indikator, pembilang, penyebut, nilai, target, kelas``: the service
    indicators (desa and Σ/Σ aggregates), the BEL indicators (desa and Σ/Σ
    over the kecamatan's and kabupaten's desa; BEL07's ``kelas`` says whether
    the 30 % cap holds) and the IDM status (``indikator = IDM``, ``nilai`` the
    index, ``kelas`` the status computed from it).
    """
    kode, tahun = view.kode_kecamatan, view.tahun
    desa_rows = view.capaian.rename(columns={"kode_desa": "kode_wilayah", "nama_desa": "nama_wilayah"}).assign(tingkat="desa")
    wil_rows = view.capaian_wilayah[view.capaian_wilayah["tingkat"].isin(["kecamatan", "kabupaten"])]
    parts = [desa_rows[LONG_COLUMNS], wil_rows[LONG_COLUMNS]]

    bel = view.belanja.rename(columns={"kode_desa": "kode_wilayah", "nama_desa": "nama_wilayah"}).assign(tingkat="desa")
    bel = bel.assign(kelas=_bel_class(bel))
    parts.append(bel[LONG_COLUMNS])
    sub, res = kabupaten_analysis(dataset, kode[:5])
    sp = _year(res.spending, tahun)
    for tingkat, prefix, nama in (("kecamatan", kode, view.identitas["nama_kecamatan"]),
                                  ("kabupaten", kode[:5], view.identitas["nama_kabupaten"])):
        rows = _in_kecamatan(sp, prefix) if tingkat == "kecamatan" else sp
        agg = rows.groupby("indikator", observed=True).agg(
            pembilang=("pembilang", "sum"), penyebut=("penyebut", "sum"), target=("target", "first")
        ).reset_index()
        factor = np.where(agg["indikator"] == "BEL10", 1.0, 100.0)
        den = agg["penyebut"].astype("Float64")
        agg["nilai"] = (agg["pembilang"].astype("Float64") / den.where(den != 0) * factor).astype("Float64")
        agg = agg.assign(kode_wilayah=prefix, nama_wilayah=nama, tingkat=tingkat, tahun=tahun)
        parts.append(agg.assign(kelas=_bel_class(agg))[LONG_COLUMNS])

    kb = view.kebutuhan_usulan
    if len(kb):
        parts.append(pd.DataFrame({
            "kode_wilayah": kb["kode_desa"], "nama_wilayah": kb["nama_desa"], "tingkat": "desa", "tahun": tahun,
            "indikator": "USULAN_" + kb["sektor"].astype("string"), "pembilang": kb["n_didanai"],
            "penyebut": kb["n_usulan"], "nilai": (kb["n_didanai"] / kb["n_usulan"].where(kb["n_usulan"] > 0) * 100),
            "target": pd.NA, "kelas": kb["kelas"],
        }))
        uw = view.usulan_wilayah
        counts = uw.pivot_table(index=["kode_wilayah", "nama_wilayah", "tingkat", "sektor"], columns="kelas",
                                values="n_desa", aggfunc="sum", observed=True)
        for (kode_w, nama_w, tingkat, sektor), row in counts.iterrows():
            summary = "; ".join(f"{k}: {int(v)} desa" for k, v in row.items() if v)
            parts.append(pd.DataFrame([{
                "kode_wilayah": kode_w, "nama_wilayah": nama_w, "tingkat": tingkat, "tahun": tahun,
                "indikator": f"USULAN_{sektor}", "pembilang": pd.NA, "penyebut": pd.NA, "nilai": pd.NA,
                "target": pd.NA, "kelas": summary,
            }]))

    st = view.status_desa
    parts.append(pd.DataFrame({
        "kode_wilayah": st["kode_desa"], "nama_wilayah": st["nama_desa"], "tingkat": "desa", "tahun": tahun,
        "indikator": "IDM", "pembilang": pd.NA, "penyebut": pd.NA, "nilai": st["idm"], "target": pd.NA,
        "kelas": st["status_idm"],
    }))
    parts = [p.astype({"pembilang": "Float64", "penyebut": "Float64", "nilai": "Float64", "target": "Float64"})
             for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True)
    return out.astype({"tahun": "Int64", "kelas": "string"})


def _bel_class(df: pd.DataFrame) -> pd.Series:
    """BEL07 against its cap; BEL09 against its target; other shares have no class."""
    nilai, target = df["nilai"].astype("Float64"), df["target"].astype("Float64")
    out = pd.Series(pd.NA, index=df.index, dtype="string")
    is7, is9 = df["indikator"] == "BEL07", df["indikator"] == "BEL09"
    ok7 = (nilai <= target)
    ok9 = (nilai >= target)
    out[is7 & ok7.fillna(False)] = "sesuai batas"
    out[is7 & (~ok7).fillna(False)] = "melebihi batas"
    out[is9 & ok9.fillna(False)] = "tercapai"
    out[is9 & (~ok9).fillna(False)] = "belum tercapai"
    return out

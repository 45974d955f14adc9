"""The one call a view needs: everything a kecamatan report, dashboard or workshop shows.

:func:`analyse` runs every computation of the library over a dataset (:class:`Analysis`); :func:`kecamatan_view`
slices it for one kecamatan and year (:class:`KecamatanView`); :func:`kabupaten_view` puts the kecamatan of a
kabupaten side by side. Comparisons inside a kabupaten (BEL01 quartile, outliers) need the whole kabupaten, so views
analyse per kabupaten and keep the result in a small in-process cache keyed on the dataset, the request and the
parameter files' fingerprint (an edited parameter file counts at the next view).

>>> from p3pd_lib.demo import generate_demo
>>> from p3pd_lib.store import Dataset
>>> d = generate_demo(kabupaten=["33.07"])
>>> view = kecamatan_view(Dataset(**d.tables, meta=d.meta), "33.07.01", tahun=2024)
>>> view.identitas["nama_kabupaten"], view.identitas["simulasi"]
('Kabupaten Wonosobo', True)
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from . import __version__, agenda, belanja, classify, idm, indicators, parameter_files, quality, usulan
from . import wilayah as wil
from .errors import ParameterError
from .indicators import Catalogue
from .column_labels import LABELS, label  # noqa: F401 - analysis.label is the documented entry point
from .numbers import KOSONG, format_angka
from .store import Dataset


@dataclass(frozen=True)
class Analysis:
    """Every computed table of a dataset (all desa, all years).

    ``values``: classified desa indicator values; ``wilayah_values``: classified Σ/Σ per kecamatan and kabupaten;
    ``scores``/``composite``: sector scores and Indeks Capaian per desa-year; ``mapped``: APBDes lines with sector and
    group; ``spending``: BEL01–BEL10 per desa-year; ``composition``: spending mix; ``compliance``: fiscal rules;
    ``spending_quality``: class per desa-year; ``status``: IDM status; ``findings``: data-quality findings;
    ``proposals``, ``need_demand``, ``budget_answering``: the demand side per desa, sector and year.
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
    """The catalogue frame, with trainer-mode targets (tagged *proposed*, source "Diubah pengguna")."""
    cat = indicators.catalogue_frame(catalogue if catalogue is not None else indicators.load_catalogue())
    if not targets:
        return cat
    if unknown := sorted(set(targets) - set(cat["id"])):
        raise ParameterError(f"Target untuk indikator yang tidak dikenal: {', '.join(unknown)}.")
    changed = cat["id"].isin(list(targets))
    return cat.assign(
        target=cat["target"].mask(changed, cat["id"].map(dict(targets))).astype("Float64"),
        sumber_target=cat["sumber_target"].astype("string").mask(changed, "Diubah pengguna (mode pelatih)"),
        tag_target=cat["tag_target"].astype("string").mask(changed, "proposed"))


def analyse(dataset: Dataset, *, catalogue: Catalogue | pd.DataFrame | None = None,
            bands: Mapping[str, Any] | None = None, targets: Mapping[str, float] | None = None,
            demand: bool = True) -> Analysis:
    """Run every library computation over ``dataset`` (pure; nothing is cached here).

    ``bands`` overrides the traffic-light bands; ``targets`` the indicator targets (trainer mode: tagged *proposed*,
    source "Diubah pengguna"). ``demand=False`` leaves the demand tables empty (usual columns).
    """
    cat = _catalogue(catalogue, targets)
    w = dataset.wilayah

    values = indicators.desa_values(dataset.layanan, cat)
    classified = classify.traffic_light(values, cat, bands)
    aggregated = indicators.aggregate(values, w, ["kecamatan", "kabupaten"], cat) if len(w) else values.iloc[:0]
    wilayah_values = classify.traffic_light(aggregated, cat, bands) if len(aggregated) else aggregated
    scores = classify.sector_scores(values, cat)

    mapped = belanja.map_apbdes(dataset.apbdes, w)
    spending, composition, compliance, summary = belanja.spending_tables_with_summary(mapped, dataset.layanan)
    summary = summary.assign(kode_kabupaten=summary["kode_desa"].str.slice(0, 5))
    spending_quality = classify.spending_quality_class(summary) if len(summary) else summary

    proposals_in = dataset.usulan if demand else dataset.usulan.iloc[:0]
    tables = usulan.demand_tables(classified, proposals_in, mapped, w if len(w) else None)
    proposals, need_demand, budget_answering = (t if demand else t.iloc[:0] for t in tables)
    status = dataset.status_desa.assign(status_idm_dihitung=classify.idm_status(dataset.status_desa["idm"]))
    return Analysis(
        catalogue=cat, values=classified, wilayah_values=wilayah_values, scores=scores, mapped=mapped,
        composite=classify.composite_index(scores), spending=spending, composition=composition, compliance=compliance,
        spending_quality=spending_quality, status=status, findings=quality.run_checks(dataset, cat),
        proposals=proposals, need_demand=need_demand, budget_answering=budget_answering)


# --------------------------------------------------------------------------- per-kabupaten cache

_RESULTS: "OrderedDict[tuple, tuple[weakref.ref, Any]]" = OrderedDict()
_MAX_RESULTS = 8


def _freeze(m: Mapping[str, Any] | None) -> tuple:
    return tuple(sorted((m or {}).items()))


def _cached(key: tuple, dataset: Dataset, compute: Any) -> Any:
    """``compute()`` once per ``key`` while ``dataset`` lives and the parameter files are unchanged."""
    key = (id(dataset), parameter_files.fingerprint(), *key)
    hit = _RESULTS.get(key)
    if hit is not None and hit[0]() is dataset:
        _RESULTS.move_to_end(key)
        return hit[1]
    result = compute()
    _RESULTS[key] = (weakref.ref(dataset), result)
    while len(_RESULTS) > _MAX_RESULTS:
        _RESULTS.popitem(last=False)
    return result


def kabupaten_analysis(dataset: Dataset, kode_kabupaten: str, *, catalogue: Catalogue | pd.DataFrame | None = None,
                       bands: Mapping[str, Any] | None = None,
                       targets: Mapping[str, float] | None = None) -> tuple[Dataset, Analysis]:
    """The kabupaten's slice of ``dataset`` and its :func:`analyse` result (cached in-process)."""
    def compute() -> tuple[Dataset, Analysis]:
        sub = dataset.subset(kode_kabupaten)
        return sub, analyse(sub, catalogue=catalogue, bands=bands, targets=targets)

    return _cached(("kabupaten", kode_kabupaten, id(catalogue), _freeze(bands), _freeze(targets)), dataset, compute)


def clear_cache() -> None:
    """Forget cached per-kabupaten and per-province results (after the store changed)."""
    _RESULTS.clear()


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


def _split_by_kecamatan(df: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """``df``'s rows by kecamatan (keys ``"PP.KK.CC."``: the desa codes under ``PP.KK.CC``) and ``df`` without rows.

    Split once per kabupaten table: filtering it again for every kecamatan was most of a view's time."""
    kec = df["kode_desa"].astype("string").str.slice(0, 9)
    by_kec = {k: g.reset_index(drop=True) for k, g in df.groupby(kec, sort=False)}
    return by_kec, df.iloc[:0].reset_index(drop=True)


def _year(df: pd.DataFrame, tahun: int) -> pd.DataFrame:
    return df[df["tahun"].eq(tahun).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def _with_names(df: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """``df`` with ``nama_desa`` (``names``: indexed by desa code) right after ``kode_desa``.

    >>> t = pd.DataFrame({"kode_desa": ["1", "9"], "x": [1, 2]})
    >>> _with_names(t, pd.Series(["A"], index=["1"])).values.tolist()
    [['1', 'A', 1], ['9', '9 (kode tidak resmi)', 2]]
    """
    kode = df["kode_desa"].astype("string")
    out = df.drop(columns="nama_desa", errors="ignore")
    out.insert(list(out.columns).index("kode_desa") + 1, "nama_desa",
               kode.map(names).astype("string").fillna(kode + " (kode tidak resmi)"))
    return out


def _pick_year(tahun: Any, years: list[int], where: str) -> int:
    """``tahun`` (default: the latest of ``years``, the years with data of ``where``), checked."""
    tahun = years[-1] if tahun is None else tahun
    if not isinstance(tahun, (int, np.integer)) or int(tahun) not in years:
        raise ParameterError(f"Tahun {tahun!r} tidak tersedia untuk {where}. Tahun yang tersedia: "
                             f"{', '.join(map(str, years))}.")
    return int(tahun)


def _fmt_num(x: Any, decimals: int = 1) -> str:
    return "tidak ada data" if (s := format_angka(x, decimals)) == KOSONG else s


def kecamatan_view(dataset: Dataset, kode_kecamatan: str, tahun: int | None = None, *,
                   catalogue: Catalogue | pd.DataFrame | None = None, bands: Mapping[str, Any] | None = None,
                   targets: Mapping[str, float] | None = None, split_x: float | None = None,
                   split_y: float | None = None, provinsi: pd.DataFrame | None = None) -> KecamatanView:
    """Everything a kecamatan view needs for ``tahun`` (default: the latest year with data).

    Raises :class:`~p3pd_lib.errors.ParameterError` (Indonesian) for a code that is not a kecamatan, a kecamatan
    without data, or a year without data. ``bands``/``targets`` override the traffic-light bands and indicator targets
    (trainer mode); ``split_x``/``split_y`` fix the quadrant splits (default: the kecamatan median); ``provinsi``: the
    :func:`province_values` of the same settings, when the caller has them (default: computed, or cached per dataset).
    """
    kode = wil.normalize_code(kode_kecamatan)
    if wil.level(kode) != 2:
        raise ParameterError(f"Kode '{kode_kecamatan}' bukan kode kecamatan (contoh kode kecamatan: 33.07.01).")
    kode_kab = kode[:5]
    sub, res = kabupaten_analysis(dataset, kode_kab, catalogue=catalogue, bands=bands, targets=targets)
    pieces = _cached(("per-kecamatan",), res, dict)  # (table name, year) -> _split_by_kecamatan of it, and more

    def desa_rows(name: str, df: pd.DataFrame, year: int | None, named: bool = True) -> pd.DataFrame:
        """The kecamatan's rows of the kabupaten table ``df`` (``name``), of ``year`` unless None, named if asked."""
        if (name, year) not in pieces:  # the kabupaten's rows of that year, split once for all its kecamatan
            kab_names = sub.wilayah.drop_duplicates("kode_desa").set_index("kode_desa")["nama_desa"]
            rows = df if year is None else _year(df, year)
            pieces[name, year] = _split_by_kecamatan(_with_names(rows, kab_names) if named else rows)
        by_kec, empty = pieces[name, year]
        return by_kec.get(kode + ".", empty).copy(deep=False)  # a new frame: a caller may change it

    desa = desa_rows("wilayah", sub.wilayah, None, named=False)
    if desa.empty:
        where = f"Kecamatan {wil.name(kode)} ({kode})" if wil.is_official(kode) else f"Kode {kode}"
        raise ParameterError(f"{where} tidak ada dalam data yang dimuat.")
    if "tahun" not in pieces:  # the years with data of each kecamatan, found once for the kabupaten
        rows = pd.concat([sub.table(name)[["kode_desa", "tahun"]] for name in ("layanan", "apbdes", "status_desa")])
        rows = rows.dropna().drop_duplicates()  # one row per desa-year, not per APBDes line
        pieces["tahun"] = {k: {int(y) for y in g["tahun"]} for k, g in _split_by_kecamatan(rows)[0].items()}
    years = sorted(pieces["tahun"].get(kode + ".", ()))
    if not years:
        raise ParameterError(f"Belum ada data layanan, APBDes atau status desa untuk kecamatan {kode}.")
    tahun = _pick_year(tahun, years, f"kecamatan {kode}")
    cat = res.catalogue
    nama_ind = cat.set_index("id")["nama"]

    def with_indicator_names(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(nama_indikator=df["indikator"].map(nama_ind).astype("string"))

    capaian = with_indicator_names(desa_rows("values", res.values, tahun))
    wv = res.wilayah_values
    capaian_wilayah = pd.concat([wv[wv["kode_wilayah"].isin([kode, kode_kab]).to_numpy(dtype=bool)],
                                 province_values(dataset, kode[:2], catalogue=cat, bands=bands)
                                 if provinsi is None else provinsi], ignore_index=True)
    # A report of year Y shows trends up to Y only (later years of the store are not its past).
    up_to_year = capaian_wilayah[(capaian_wilayah["tahun"] <= tahun).to_numpy(dtype=bool)]
    tren = with_indicator_names(
        up_to_year[["tahun", "indikator", "sektor", "tingkat", "kode_wilayah", "nama_wilayah", "nilai", "kelas"]]
    ).sort_values(["indikator", "tingkat", "tahun"], kind="stable").reset_index(drop=True)
    capaian_wilayah = with_indicator_names(_year(capaian_wilayah, tahun))
    if years[0] < tahun:
        tren_kab = _cached(("tren", kode_kab, years[0], tahun), res,
                           lambda: classify.trend(res.values, years[0], tahun, catalogue=cat))
        tren_desa = with_indicator_names(desa_rows(f"tren {years[0]}-{tahun}", tren_kab, None))
    else:
        tren_desa = pd.DataFrame(columns=["kode_desa", "nama_desa", "indikator", "nilai_awal", "nilai_akhir", "tren"])

    indeks, belanja_t = desa_rows("composite", res.composite, tahun), desa_rows("spending", res.spending, tahun)
    aturan = desa_rows("compliance", res.compliance, None)
    aturan = aturan[(aturan["tahun"] <= tahun).to_numpy(dtype=bool)].reset_index(drop=True)
    if ("sumbu kuadran", tahun) not in pieces:  # the quadrant axes of all the kabupaten's desa, merged once
        pieces["sumbu kuadran", tahun] = _quadrant_axes(res, tahun)
    gap = desa_rows("kesenjangan", pieces["sumbu kuadran", tahun], tahun)
    kuadran_tab, split = classify.quadrant(gap, split_x=split_x, split_y=split_y)
    kuadran_tab = kuadran_tab.rename(columns={"bel01": "porsi_layanan_dasar"})
    status = desa_rows("status", res.status, tahun).rename(
        columns={"status_idm": "status_idm_resmi", "status_idm_dihitung": "status_idm"})
    status = status[["kode_desa", "nama_desa", "idm", "status_idm", "status_idm_resmi", "status_indeks_desa", "iks",
                     "ike", "ikl"]]

    kebutuhan = desa_rows("need_demand", res.need_demand, tahun)
    usulan_wilayah, extra = pd.DataFrame(), None
    if len(kebutuhan):
        kab_usulan = _cached(("usulan", kode_kab, tahun), res, lambda: _kabupaten_usulan(res, sub, tahun))
        kelas = kab_usulan["wilayah"]  # the kecamatan's rows, then the kabupaten's
        usulan_wilayah = kelas[kelas["kode_wilayah"].eq(kode) | kelas["tingkat"].eq("kabupaten")].reset_index(drop=True)
        extra = desa_rows(f"agenda usulan {tahun}", kab_usulan["agenda"], None, named=False)
        if extra.empty:
            extra = usulan.agenda_rows(kebutuhan, sub.wilayah)  # the library's own empty table
    rumusan = desa_rows("idm_rumusan", sub.idm_rumusan, tahun, named=False)
    if len(rumusan):  # recommended activities of weak IDM indicators, marked with their source
        idm_rows = idm.agenda_rows(rumusan, sub.wilayah, tahun)
        extra = idm_rows if extra is None else pd.concat([extra, idm_rows], ignore_index=True)
    rules = desa_rows("compliance", res.compliance, tahun)  # the checks of the year, as in aturan
    agenda_tab = agenda.agenda_terpadu(capaian, quadrants=kuadran_tab, rules=rules, extra_rows=extra)
    kualitas = desa_rows("findings", res.findings, None, named=False)  # undated findings belong to every year
    kualitas = kualitas[kualitas["tahun"].fillna(tahun).le(tahun).to_numpy(dtype=bool)].reset_index(drop=True)

    first = desa.iloc[0]
    identitas = {
        "kode_kecamatan": kode, "nama_kecamatan": str(first["nama_kecamatan"]),
        "kode_kabupaten": kode_kab, "nama_kabupaten": str(first["nama_kabupaten"]),
        "kode_provinsi": kode[:2], "nama_provinsi": str(first["nama_provinsi"]),
        "n_desa": int((desa["jenis"] == "desa").sum()), "n_kelurahan": int((desa["jenis"] == "kelurahan").sum()),
        "simulasi": dataset.simulasi, "fingerprint": dataset.fingerprint, "versi_kit": __version__}
    ringkasan = _ringkasan(identitas, desa_rows("layanan", sub.layanan, tahun, named=False), tahun, cat, capaian,
                           capaian_wilayah, belanja_t, rules, agenda_tab, kualitas)
    return KecamatanView(
        kode_kecamatan=kode, tahun=tahun, tahun_tersedia=years, identitas=identitas, ringkasan=ringkasan,
        desa=desa[["kode_desa", "nama_desa", "jenis"]], capaian=capaian, capaian_wilayah=capaian_wilayah,
        skor_sektor=desa_rows("scores", res.scores, tahun), indeks=indeks, tren=tren, tren_desa=tren_desa,
        belanja=belanja_t, komposisi_belanja=desa_rows("composition", res.composition, tahun), aturan_belanja=aturan,
        kualitas_belanja=(desa_rows("spending_quality", res.spending_quality, tahun) if len(res.spending_quality)
                          else res.spending_quality),
        kuadran=kuadran_tab, kuadran_split=split, status_desa=status, agenda=agenda_tab, kualitas=kualitas,
        kamus=cat[[c for c in indicators.CATALOGUE_COLUMNS if c != "name_en"]].rename(columns={"id": "indikator"}),
        usulan=desa_rows("proposals", res.proposals, tahun), kebutuhan_usulan=kebutuhan, usulan_wilayah=usulan_wilayah,
        parameter={"bands": dict(bands or {}), "targets": dict(targets or {}), "split_x": split_x, "split_y": split_y})


def _quadrant_axes(res: Analysis, tahun: int) -> pd.DataFrame:
    """Each desa's service gap (``kesenjangan``) and basic-service spending share (``bel01``) of ``tahun``."""
    spend = _year(res.spending, tahun)
    bel01 = spend[spend["indikator"] == "BEL01"][["kode_desa", "nilai"]].rename(columns={"nilai": "bel01"})
    return _year(res.composite, tahun)[["kode_desa", "tahun", "kesenjangan"]].merge(bel01, on="kode_desa", how="left")


def _kabupaten_usulan(res: Analysis, sub: Dataset, tahun: int) -> dict[str, pd.DataFrame]:
    """Need–demand class counts per kecamatan and kabupaten (one table) and every desa's agenda rows, for one year."""
    need = _year(res.need_demand, tahun)
    named = _with_names(need, sub.wilayah.drop_duplicates("kode_desa").set_index("kode_desa")["nama_desa"])
    return {"wilayah": usulan.aggregate_classes(need, sub.wilayah), "agenda": usulan.agenda_rows(named, sub.wilayah)}


def province_values(dataset: Dataset, kode_provinsi: str, *, catalogue: Catalogue | pd.DataFrame | None = None,
                    bands: Mapping[str, Any] | None = None, targets: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Classified Σ/Σ values of the whole province (all years), cached per dataset: the same for all its kecamatan."""
    cat = _catalogue(catalogue, targets)

    def compute() -> pd.DataFrame:
        prov = dataset.subset(kode_provinsi)
        values = indicators.desa_values(prov.layanan, cat)
        if prov.wilayah.empty:
            return values.iloc[:0]
        return classify.traffic_light(indicators.aggregate(values, prov.wilayah, "provinsi", cat), cat, bands)

    return _cached(("provinsi", kode_provinsi, tuple(cat["target"].fillna(-1)), _freeze(bands)), dataset, compute)


def _ringkasan(identitas, lay, tahun, cat, capaian, capaian_wilayah, belanja_t, rules, agenda_tab,
               kualitas) -> pd.DataFrame:
    """Key figures of the kecamatan (``rules``: its spending-rule checks of ``tahun``) in Indonesian, with units."""
    merah = capaian["kelas"] == "merah"

    def share(ind: str) -> float:
        rows = (belanja_t["indikator"] == ind).to_numpy(dtype=bool, na_value=False)  # two columns, not whole rows
        num, den = (belanja_t[col][rows].astype("Float64").sum() for col in ("pembilang", "penyebut"))
        return float(num) / float(den) * 100 if den else float("nan")

    breach = rules["patuh"].astype("boolean").eq(False).fillna(False)
    n_dd_breach = rules.loc[breach & (rules["aturan"] != "PERSONEL"), "kode_desa"].nunique()
    n_pers_breach = int((breach & (rules["aturan"] == "PERSONEL")).sum())
    kes01 = capaian_wilayah.query("tingkat == 'kecamatan' and indikator == 'KES01'")["nilai"]
    stunting = cat.set_index("id").reindex(["KES01"]).iloc[0]  # all <NA> without KES01
    target_text = (f"target {_fmt_num(stunting['target'], 0 if float(stunting['target']).is_integer() else 1)} % "
                   f"({stunting['sumber_target']})" if pd.notna(stunting["target"]) else "tanpa target")
    rows = [
        ("Desa / kelurahan", f"{identitas['n_desa']} desa, {identitas['n_kelurahan']} kelurahan",
         "Daftar resmi Kepmendagri 300.2.2-2138/2025"),
        ("Penduduk", _fmt_num(lay["penduduk"].astype("Float64").sum(), 0) + " jiwa",
         f"Jumlah dari data layanan desa tahun {tahun}"),
        ("Indikator merah", f"{int(merah.sum())} dari {int(capaian['nilai'].notna().sum())} nilai",
         f"{capaian.loc[merah, 'kode_desa'].nunique()} desa/kelurahan punya sekurang-kurangnya satu indikator merah"),
        ("Prevalensi stunting kecamatan", _fmt_num(kes01.iloc[0] if len(kes01) else float("nan")) + " %",
         f"Σ balita stunting / Σ balita diukur; {target_text}"),
        ("Porsi belanja layanan dasar", _fmt_num(share("BEL01")) + " %",
         "Σ belanja layanan dasar / Σ belanja desa (BEL01)"),
        ("Porsi siltap & tunjangan", _fmt_num(share("BEL07")) + " %",
         f"BEL07; {n_pers_breach} desa melebihi batas 30 % (PP 11/2019)"),
        ("Desa melanggar aturan Dana Desa", f"{n_dd_breach} desa", f"Aturan penggunaan Dana Desa tahun {tahun}"),
        ("Baris agenda terpadu", str(len(agenda_tab)),
         "Indikator merah, aturan belanja yang dilanggar, usulan masyarakat yang perlu ditindaklanjuti"),
        ("Temuan kualitas data", f"{int((kualitas['tingkat'] == 'galat').sum())} galat, "
         f"{int((kualitas['tingkat'] == 'peringatan').sum())} peringatan", "Semua tahun")]
    return pd.DataFrame(rows, columns=["ukuran", "nilai", "keterangan"])


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


def kabupaten_view(dataset: Dataset, kode_kabupaten: str, tahun: int | None = None, *,
                   catalogue: Catalogue | pd.DataFrame | None = None) -> KabupatenView:
    """Rankings, quadrant counts and spending-rule compliance of every kecamatan of a kabupaten.

    ``kecamatan``: ``kode_kecamatan, nama_kecamatan, n_desa, n_kelurahan, indeks_capaian`` (mean of the desa composite
    indices), ``n_merah, porsi_layanan_dasar, porsi_siltap`` (Σ/Σ) and ``peringkat``; ``capaian``: classified Σ/Σ
    values per kecamatan; ``kuadran``: desa per quadrant label; ``aturan``: desa breaching each rule.
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
    tahun = _pick_year(tahun, years, f"kabupaten/kota {kode}")
    w = sub.wilayah
    kec = (w.assign(n_desa=w["jenis"] == "desa", n_kelurahan=w["jenis"] == "kelurahan")
           .groupby(["kode_kecamatan", "nama_kecamatan"], observed=True, as_index=False)[["n_desa", "n_kelurahan"]]
           .sum())
    kec_of = w.set_index("kode_desa")["kode_kecamatan"]

    comp = _year(res.composite, tahun).assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of))
    idx = comp.groupby("kode_kecamatan")["indeks_capaian"].mean()
    vals = _year(res.values, tahun).assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of))
    merah = vals[vals["kelas"] == "merah"].groupby("kode_kecamatan").size().rename("n_merah")
    sp = _year(res.spending, tahun).assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of))
    shares = {}
    for ind, col in (("BEL01", "porsi_layanan_dasar"), ("BEL07", "porsi_siltap")):
        s = sp[sp["indikator"] == ind].groupby("kode_kecamatan")[["pembilang", "penyebut"]].sum()
        shares[col] = (s["pembilang"].astype("Float64") / s["penyebut"].astype("Float64").replace(0, pd.NA) * 100)
    table = kec.set_index("kode_kecamatan").join(idx).join(merah).join(pd.DataFrame(shares)).reset_index()
    table = table.assign(n_merah=table["n_merah"].fillna(0).astype("Int64"),
                         peringkat=table["indeks_capaian"].rank(ascending=False, method="min").astype("Int64"))
    table = table.sort_values(["peringkat", "kode_kecamatan"], na_position="last").reset_index(drop=True)

    wv = _year(res.wilayah_values, tahun)
    capaian = wv[wv["tingkat"] == "kecamatan"].reset_index(drop=True)

    quad = classify.quadrant(_quadrant_axes(res, tahun))[0].assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of))
    kuadran = quad.pivot_table(index="kode_kecamatan", columns="label_kuadran", values="kode_desa",
                               aggfunc="count", fill_value=0, observed=True).reset_index()

    rules = _year(res.compliance, tahun).assign(kode_kecamatan=lambda d: d["kode_desa"].map(kec_of),
                                                _langgar=lambda d: d["patuh"].astype("boolean").eq(False).fillna(False))
    aturan = rules.pivot_table(index="kode_kecamatan", columns="aturan", values="_langgar", aggfunc="sum",
                               fill_value=0, observed=True).reset_index()

    first = w.iloc[0]
    identitas = {
        "kode_kabupaten": kode, "nama_kabupaten": str(first["nama_kabupaten"]),
        "kode_provinsi": kode[:2], "nama_provinsi": str(first["nama_provinsi"]),
        "n_kecamatan": int(len(kec)), "n_desa": int(kec["n_desa"].sum()), "n_kelurahan": int(kec["n_kelurahan"].sum()),
        "simulasi": dataset.simulasi, "fingerprint": dataset.fingerprint, "versi_kit": __version__}
    return KabupatenView(kode_kabupaten=kode, tahun=tahun, tahun_tersedia=years, identitas=identitas,
                         kecamatan=table, capaian=capaian, kuadran=kuadran, aturan=aturan)


# --------------------------------------------------------------------------- long export (CLI `p3pd analisis`)

LONG_COLUMNS = ["kode_wilayah", "nama_wilayah", "tingkat", "tahun", "indikator", "pembilang", "penyebut", "nilai",
                "target", "kelas"]


def long_results(view: KecamatanView, dataset: Dataset) -> pd.DataFrame:
    """Long-format results of a kecamatan view for export (CLI ``p3pd analisis``).

    Columns :data:`LONG_COLUMNS`: the service indicators (desa and Σ/Σ aggregates), the BEL indicators (desa and Σ/Σ
    over the kecamatan's and kabupaten's desa; BEL07's ``kelas`` says whether the 30 % cap holds), the proposal
    classes and the IDM status (``indikator = IDM``, ``nilai`` the index, ``kelas`` the status computed from it).
    """
    kode, tahun = view.kode_kecamatan, view.tahun
    as_region = {"kode_desa": "kode_wilayah", "nama_desa": "nama_wilayah"}
    bel = view.belanja.rename(columns=as_region).assign(tingkat="desa")
    parts = [view.capaian.rename(columns=as_region).assign(tingkat="desa")[LONG_COLUMNS],
             view.capaian_wilayah[view.capaian_wilayah["tingkat"].isin(["kecamatan", "kabupaten"])][LONG_COLUMNS],
             bel.assign(kelas=_bel_class(bel))[LONG_COLUMNS]]
    kab_spending = _year(kabupaten_analysis(dataset, kode[:5])[1].spending, tahun)
    for tingkat, prefix, nama, rows in (("kecamatan", kode, view.identitas["nama_kecamatan"], view.belanja),
                                        ("kabupaten", kode[:5], view.identitas["nama_kabupaten"], kab_spending)):
        agg = rows.groupby("indikator", observed=True, as_index=False).agg(
            pembilang=("pembilang", "sum"), penyebut=("penyebut", "sum"), target=("target", "first"))
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
            "target": pd.NA, "kelas": kb["kelas"]}))
        keys = ["kode_wilayah", "nama_wilayah", "tingkat", "sektor"]
        counts = view.usulan_wilayah.groupby([*keys, "kelas"], observed=True)["n_desa"].sum().reset_index()
        counts = counts.assign(kelas=counts["kelas"] + ": " + counts["n_desa"].astype(int).astype(str) + " desa")
        text = counts[counts["n_desa"] != 0].groupby(keys)["kelas"].agg("; ".join)
        text = text.reindex(counts.groupby(keys).size().index, fill_value="").reset_index()
        parts.append(text.assign(indikator="USULAN_" + text["sektor"], tahun=tahun, pembilang=pd.NA, penyebut=pd.NA,
                                 nilai=pd.NA, target=pd.NA)[LONG_COLUMNS])

    st = view.status_desa
    parts.append(pd.DataFrame({"kode_wilayah": st["kode_desa"], "nama_wilayah": st["nama_desa"], "tingkat": "desa",
                               "tahun": tahun, "indikator": "IDM", "pembilang": pd.NA, "penyebut": pd.NA,
                               "nilai": st["idm"], "target": pd.NA, "kelas": st["status_idm"]}))
    parts = [p.astype(dict.fromkeys(["pembilang", "penyebut", "nilai", "target"], "Float64")) for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True).astype({"tahun": "Int64", "kelas": "string"})


def _bel_class(df: pd.DataFrame) -> pd.Series:
    """BEL07 against its cap; BEL09 against its target; other shares have no class."""
    nilai, target, ind = df["nilai"].astype("Float64"), df["target"].astype("Float64"), df["indikator"]
    conditions = [(ind == "BEL07") & (nilai <= target), (ind == "BEL07") & (nilai > target),
                  (ind == "BEL09") & (nilai >= target), (ind == "BEL09") & (nilai < target)]
    kelas = np.select([c.fillna(False).to_numpy(dtype=bool) for c in conditions],
                      ["sesuai batas", "melebihi batas", "tercapai", "belum tercapai"], None)
    return pd.Series(kelas, index=df.index, dtype="string")

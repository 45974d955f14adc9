"""Teaching tables of notebooks 01-02: sectors and data sources, reading an indicator."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, TYPE_CHECKING

import pandas as pd

from .. import classify, indicators
from ..errors import ParameterError

if TYPE_CHECKING:  # only for annotations: the workshop module imports this one
    from .workshop import Workshop


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

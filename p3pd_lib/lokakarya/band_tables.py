"""Teaching tables of notebook 03: classes, bands and what moving them changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from .. import classify, indicators


# --------------------------------------------------------------------------- 03: classes and bands


def band_rules(parameters: classify.ClassificationParameters | None = None) -> pd.DataFrame:
    """The classification rules in force, in words: ``aturan, isi, sumber``."""
    p = parameters or classify.load_parameters()
    b = p.bands
    idm = " < ".join(f"{lab} ≤ {cut:g}" for lab, cut in zip(p.idm_label, p.idm_batas)) + f" < {p.idm_label[-1]}"
    rows = [
        ("Hijau (Tercapai), arah naik", "nilai ≥ target", "usulan kit"),
        ("Kuning (Mendekati), arah naik", f"nilai ≥ target − {b.kuning_naik:g} poin", "usulan kit, dapat diubah"),
        ("Hijau (Tercapai), arah turun", "nilai ≤ target", "usulan kit"),
        ("Kuning (Mendekati), arah turun", f"nilai ≤ target + {b.kuning_turun:g} poin", "usulan kit, dapat diubah"),
        ("Merah (Belum tercapai)", "selain di atas", "usulan kit"),
        ("Abu-abu", "tidak ada data, atau penyebut terlalu kecil (tidak stabil)", "usulan kit"),
        ("Tanpa target", f"peringkat tersil dalam kecamatan (perlu ≥ {b.tersil_min_desa} desa berdata)", "usulan kit"),
        ("Status IDM", idm.replace(".", ","), p.idm_sumber),
    ]
    return pd.DataFrame(rows, columns=["aturan", "isi", "sumber"]).astype("string")


def colour_counts(capaian: pd.DataFrame) -> pd.DataFrame:
    """Number of values per colour (``kelas, label, jumlah``), in the order hijau, kuning, merah, abu.

    >>> colour_counts(pd.DataFrame({"kelas": ["merah", "merah", "hijau"]}))["jumlah"].tolist()
    [1, 0, 2, 0]
    """
    labels = {"hijau": "Hijau", "kuning": "Kuning", "merah": "Merah", "abu": "Abu-abu"}
    n = capaian["kelas"].astype("string").value_counts()
    return pd.DataFrame({"kelas": list(classify.KELAS), "label": [labels[k] for k in classify.KELAS],
                         "jumlah": [int(n.get(k, 0)) for k in classify.KELAS]})


@dataclass(frozen=True)
class BandChange:
    """What moving the yellow bands does to a table of values (see :func:`band_change_summary`)."""

    kuning_naik: float
    kuning_turun: float
    n_nilai: int
    n_berubah: int
    n_desa_berubah: int
    n_ke_lebih_baik: int
    n_ke_lebih_buruk: int
    sebelum: dict[str, int]
    sesudah: dict[str, int]

    @property
    def pesan(self) -> str:
        """The result in one Indonesian sentence."""
        return (f"Pita kuning naik {self.kuning_naik:g} poin, turun {self.kuning_turun:g} poin: "
                f"{self.n_berubah} dari {self.n_nilai} nilai berubah warna, di {self.n_desa_berubah} desa/kelurahan "
                f"({self.n_ke_lebih_baik} membaik, {self.n_ke_lebih_buruk} memburuk).")

    def table(self) -> pd.DataFrame:
        """Counts per colour before and after: ``kelas, sebelum, sesudah, selisih``."""
        return pd.DataFrame({
            "kelas": list(classify.KELAS),
            "sebelum": [self.sebelum.get(k, 0) for k in classify.KELAS],
            "sesudah": [self.sesudah.get(k, 0) for k in classify.KELAS],
        }).assign(selisih=lambda d: d["sesudah"] - d["sebelum"])


def band_change_summary(
    values: pd.DataFrame,
    catalogue: pd.DataFrame | indicators.Catalogue,
    kuning_naik: float,
    kuning_turun: float,
    baseline: classify.Bands | Mapping[str, Any] | None = None,
) -> BandChange:
    """How many values and villages change colour when the yellow bands become these (pure).

    ``values``: desa values (``kode_desa, tahun, indikator, nilai, stabil``);
    the baseline is ``klasifikasi.yaml`` unless given. Uses
    :func:`classify.threshold_sensitivity`, the same function the kit's
    sensitivity analysis uses.

    >>> v = pd.DataFrame({"kode_desa": ["a", "b"], "tahun": 2024, "indikator": "KES02",
    ...                   "nilai": [78.0, 85.0], "stabil": True})
    >>> r = band_change_summary(v, indicators.load_catalogue(), 15, 5)
    >>> r.n_berubah, r.n_desa_berubah, r.sesudah["kuning"]
    (1, 1, 2)
    """
    cols = [c for c in ("kode_desa", "tahun", "indikator", "nilai", "stabil") if c in values.columns]
    v = values[cols]
    scen = {"kuning_naik": float(kuning_naik), "kuning_turun": float(kuning_turun)}
    sens = classify.threshold_sensitivity(v, catalogue, {"skenario": scen}, baseline=baseline)
    total = sens[sens["indikator"] == "(semua)"].iloc[0]
    base_bands = classify.as_bands(baseline)
    before = classify.traffic_light(v, catalogue, base_bands)["kelas"].astype("string").value_counts()
    after_bands = classify.Bands(kuning_naik=float(kuning_naik), kuning_turun=float(kuning_turun),
                                 tersil_min_desa=base_bands.tersil_min_desa)
    after = classify.traffic_light(v, catalogue, after_bands)["kelas"].astype("string").value_counts()
    return BandChange(
        kuning_naik=float(kuning_naik), kuning_turun=float(kuning_turun), n_nilai=int(total["n_baris"]),
        n_berubah=int(total["n_berubah"]), n_desa_berubah=int(total["n_unit_berubah"]),
        n_ke_lebih_baik=int(total["n_ke_lebih_baik"]), n_ke_lebih_buruk=int(total["n_ke_lebih_buruk"]),
        sebelum={k: int(before.get(k, 0)) for k in classify.KELAS},
        sesudah={k: int(after.get(k, 0)) for k in classify.KELAS},
    )


def band_slider(values: pd.DataFrame, catalogue: pd.DataFrame | indicators.Catalogue,
                baseline: classify.Bands | None = None) -> Any:
    """Two sliders (yellow band up/down) and a live count of the values and villages that change colour.

    Returns an ``ipywidgets.VBox``; every slider move calls
    :func:`band_change_summary`. Headless runs just display it.
    """
    import html

    import ipywidgets as W

    b = baseline or classify.load_parameters().bands
    naik = W.IntSlider(value=int(b.kuning_naik), min=0, max=30, step=1, description="Pita naik",
                       continuous_update=False, style={"description_width": "90px"})
    turun = W.IntSlider(value=int(b.kuning_turun), min=0, max=20, step=1, description="Pita turun",
                        continuous_update=False, style={"description_width": "90px"})
    out = W.HTML()

    def update(_change: Any = None) -> None:
        r = band_change_summary(values, catalogue, naik.value, turun.value, baseline=b)
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{r.sebelum[k]}</td><td>{r.sesudah[k]}</td></tr>" for k in classify.KELAS
        )
        out.value = (f"<p><b>{html.escape(r.pesan)}</b></p><table><tr><th>kelas</th><th>pita bawaan "
                     f"({b.kuning_naik:g}/{b.kuning_turun:g})</th><th>pita baru</th></tr>{rows}</table>")

    naik.observe(update, "value")
    turun.observe(update, "value")
    update()
    box = W.VBox([W.HTML("<b>Geser pita kuning dan lihat berapa desa berubah warna</b>"), naik, turun, out])
    box.update = update  # type: ignore[attr-defined]  # tests move the sliders and read the text
    box.sliders = (naik, turun)  # type: ignore[attr-defined]
    box.hasil = out  # type: ignore[attr-defined]
    return box


def band_scenarios(values: pd.DataFrame, catalogue: pd.DataFrame | indicators.Catalogue,
                   scenarios: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per band scenario: values and villages that change colour (the ``(semua)`` rows of
    :func:`classify.threshold_sensitivity`).

    >>> v = pd.DataFrame({"kode_desa": ["a", "b"], "tahun": 2024, "indikator": "KES02",
    ...                   "nilai": [78.0, 85.0], "stabil": True})
    >>> band_scenarios(v, indicators.load_catalogue(), {"naik 15": {"kuning_naik": 15}})[["skenario", "n_berubah"]].values.tolist()
    [['naik 15', 1]]
    """
    cols = [c for c in ("kode_desa", "tahun", "indikator", "nilai", "stabil") if c in values.columns]
    sens = classify.threshold_sensitivity(values[cols], catalogue, dict(scenarios))
    return sens[sens["indikator"] == "(semua)"].drop(columns="indikator").reset_index(drop=True)


def idm_counts(status_desa: pd.DataFrame) -> pd.DataFrame:
    """Villages per IDM status: computed by the kit from the index vs the official label.

    >>> t = idm_counts(pd.DataFrame({"status_idm": ["Maju", "Maju"], "status_idm_resmi": ["Maju", "Mandiri"]}))
    >>> t.values.tolist()[-2:]
    [['Maju', 2, 1], ['Mandiri', 0, 1]]
    """
    labels = list(classify.load_parameters().idm_label)
    a = status_desa["status_idm"].astype("string").value_counts()
    b = status_desa["status_idm_resmi"].astype("string").value_counts()
    return pd.DataFrame({"status": labels, "dihitung": [int(a.get(s, 0)) for s in labels],
                         "resmi": [int(b.get(s, 0)) for s in labels]})

"""Random streams and the per-kabupaten service counts (``layanan``) and village status (``status_desa``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from .parameters import (
    COL_POS, COUNT_COLS, CUTS_IDM, DemoParameters, GROUPS, INDIKATOR_LAYANAN, IND_IDS, province_value,
)


# ---------------------------------------------------------------------------------------
# Random streams: one per (seed, kabupaten, purpose, year), independent of the selection.

_S_DESA, _S_LAYANAN, _S_STATUS_DESA, _S_STATUS, S_APB_DESA, S_APB, S_USULAN, S_MASALAH = range(1, 9)


def stream_rng(seed: int, kab: str, stream: int, year: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, int(kab.replace(".", "")), stream, year]))


def r1000(x: np.ndarray) -> np.ndarray:
    """Round Rupiah amounts to whole thousands (as budgets are written)."""
    return np.round(np.asarray(x, dtype=float) / 1000.0) * 1000.0


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


# ---------------------------------------------------------------------------------------
# Per-kabupaten generation


@dataclass
class KabOut:
    """Arrays of one kabupaten (rows already in output order)."""

    lay_codes: np.ndarray
    lay_year: np.ndarray
    lay_counts: np.ndarray  # (rows, n count columns) int64
    lay_na: np.ndarray  # same shape, bool
    st: dict[str, np.ndarray]
    apb: dict[str, np.ndarray]
    us: dict[str, np.ndarray]
    masalah: list[dict[str, object]] = field(default_factory=list)


def layanan_kab(kab: str, prov: str, wk: pd.DataFrame, years: Sequence[int], prm: DemoParameters,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Clean service counts, shape (villages, years, columns), and the population per (village, year)."""
    L = prm.layanan
    base = prm.tahun_dasar
    n = len(wk)
    kec_idx = np.unique(wk["kode_kecamatan"].to_numpy(), return_inverse=True)[1]
    n_kec = int(kec_idx.max()) + 1
    is_kel = (wk["jenis"] == "kelurahan").to_numpy(dtype=bool)

    r = stream_rng(seed, kab, _S_DESA)
    lo, hi = province_value(L.penduduk, prov)
    pop0 = (lo + (hi - lo) * r.beta(2.5, 3.0, n)) * np.where(is_kel, L.faktor_kelurahan, 1.0)
    growth = r.normal(L.pertumbuhan_penduduk[0], L.pertumbuhan_penduduk[1], n)
    hh_size = r.uniform(*province_value(L.ukuran_rumah_tangga, prov), n)
    shares_base = province_value(L.proporsi, prov)
    shares = {g: shares_base[g] * r.uniform(0.85, 1.15, n) for g in GROUPS}
    cov = r.uniform(*L.cakupan_pengukuran, n)
    ext_mult = r.uniform(0.5, 2.0, n)
    ext_rate = float(province_value(L.miskin_ekstrem, prov))
    # Random effects on the logit scale: a shared "progress" factor plus one per indicator.
    c = L.korelasi
    s = np.sqrt(max(0.0, 1.0 - c * c))
    ea = L.efek_acak
    J = len(INDIKATOR_LAYANAN)
    # Effects within the kabupaten are truncated at ±2.5 sd: real villages differ a lot,
    # but a clean demo village should not look like a data error to a robust outlier check.
    def z(*shape: int) -> np.ndarray:
        return np.clip(r.normal(size=shape), -2.5, 2.5)

    common = ea["kabupaten"] * r.normal() + ea["kecamatan"] * z(n_kec)[kec_idx] + ea["desa"] * z(n)
    spec = (ea["kabupaten"] * r.normal(size=(J, 1)) + ea["kecamatan"] * z(J, n_kec)[:, kec_idx]
            + ea["desa"] * z(J, n))
    better = np.array([1.0 if hib else -1.0 for *_, hib in INDIKATOR_LAYANAN])[:, None]
    # Shift each level so that the mean over the random effects, not the median village,
    # hits the calibration rate (probit approximation of E[expit(mu + N(0, s2))]).
    s2 = ea["kabupaten"] ** 2 + ea["kecamatan"] ** 2 + ea["desa"] ** 2 + L.derau_tahunan ** 2
    stretch = np.sqrt(1.0 + np.pi * s2 / 8.0)
    level = np.array([_logit(float(province_value(L.indikator[i].tingkat, prov))) * stretch for i in IND_IDS])[:, None]
    trend = np.array([L.indikator[i].tren for i in IND_IDS])[:, None] + L.tren_sd_desa * z(J, n)
    eff = level + better * (c * common + s * spec + L.efek_kelurahan * is_kel)

    out = np.zeros((n, len(years), len(COUNT_COLS)), dtype=np.int64)
    pops = np.zeros((n, len(years)), dtype=np.int64)
    for yi, t in enumerate(years):
        ry = stream_rng(seed, kab, _S_LAYANAN, t)
        dt = t - base
        pop = np.maximum(1, np.round(pop0 * (1.0 + growth) ** dt * (1.0 + ry.normal(0, 0.002, n)))).astype(np.int64)
        hh = np.maximum(1, np.round(pop / hh_size)).astype(np.int64)
        grp = {g: np.maximum(0, np.round(pop * shares[g] * (1.0 + ry.normal(0, 0.03, n)))).astype(np.int64)
               for g in GROUPS}
        col = {
            "penduduk": pop,
            "rumah_tangga": hh,
            "balita_diukur": np.round(grp["balita"] * np.clip(cov + ry.normal(0, 0.02, n), 0.5, 1.0)).astype(np.int64),
            "bayi_sasaran": grp["bayi"],
            "ibu_hamil": grp["ibu_hamil"],
            "persalinan": np.round(grp["ibu_hamil"] * ry.uniform(0.88, 1.0, n)).astype(np.int64),
            "baduta": grp["baduta"],
            "keluarga_baduta": np.round(grp["baduta"] * ry.uniform(0.9, 1.0, n)).astype(np.int64),
            "anak_5_6": grp["anak_5_6"],
            "anak_7_15": grp["anak_7_15"],
            "anak_0_17": grp["anak_0_17"],
            "wajib_ktp": np.minimum(pop, grp["wajib_ktp"]),
            "kel_miskin_ekstrem": np.round(
                hh * ext_rate * L.penurunan_miskin_ekstrem ** dt * ext_mult).astype(np.int64),
        }
        col["sasaran_hpk"] = col["ibu_hamil"] + col["baduta"]
        p = _expit(eff + trend * dt + ry.normal(0.0, L.derau_tahunan, (J, n)))
        # Counts scatter around den × p with half the binomial spread: registers are
        # carried over from year to year, so small counts do not jump at random.
        z = ry.normal(size=(J, n))
        for j, (ind, num, den, _) in enumerate(INDIKATOR_LAYANAN):
            d = col[den]
            mean = d * p[j]
            col[num] = np.clip(np.round(mean + 0.5 * np.sqrt(mean * (1.0 - p[j])) * z[j]), 0, d).astype(np.int64)
        # Open defecation only among households without a healthy latrine.
        col["rt_babs"] = np.minimum(col["rt_babs"], hh - col["rt_sanitasi_layak"])
        for name, values in col.items():
            out[:, yi, COL_POS[name]] = values
        pops[:, yi] = pop
    return out, pops


def status_kab(kab: str, prov: str, wk: pd.DataFrame, years: Sequence[int], prm: DemoParameters,
                seed: int) -> dict[str, np.ndarray]:
    S = prm.status_desa
    n = len(wk)
    if n == 0:  # a kota made only of kelurahan: no IDM
        return {k: np.zeros(0, dtype=np.int64 if k in ("v", "tahun", "st", "sid") else float)
                for k in ("v", "tahun", "iks", "ike", "ikl", "idm", "st", "sid")}
    kec_idx = np.unique(wk["kode_kecamatan"].to_numpy(), return_inverse=True)[1]
    r = stream_rng(seed, kab, _S_STATUS_DESA)
    mu, sd = province_value(S.idm, prov)
    sk = sd * np.sqrt(S.porsi_sd_kabupaten)
    sr = sd * np.sqrt((1.0 - S.porsi_sd_kabupaten) / 2.0)
    base = mu + sk * r.normal() + sr * r.normal(size=int(kec_idx.max()) + 1)[kec_idx] + sr * r.normal(size=n)
    trend = r.normal(S.tren[0], S.tren[1], n)
    d_iks = r.normal(0.05, 0.04, n)
    d_ike = r.normal(-0.07, 0.05, n)
    rows: dict[str, list[np.ndarray]] = {k: [] for k in ("v", "tahun", "iks", "ike", "ikl", "idm", "st", "sid")}
    for t in years:
        ry = stream_rng(seed, kab, _S_STATUS, t)
        idm_t = base + trend * (t - prm.tahun_dasar) + ry.normal(0, 0.01, n)
        iks = np.round(np.clip(idm_t + d_iks + ry.normal(0, 0.01, n), 0.25, 0.99), 4)
        ike = np.round(np.clip(idm_t + d_ike + ry.normal(0, 0.01, n), 0.20, 0.99), 4)
        ikl = np.round(np.clip(3.0 * idm_t - iks - ike, 0.25, 0.99), 4)
        idm = np.round((iks + ike + ikl) / 3.0, 4)
        noise = ry.normal(0, 0.03, n)
        sid = np.digitize(idm + noise, CUTS_IDM, right=True) if t >= S.tahun_indeks_desa else np.full(n, -1)
        for k, v in (("v", np.arange(n)), ("tahun", np.full(n, t)), ("iks", iks), ("ike", ike), ("ikl", ikl),
                     ("idm", idm), ("st", np.digitize(idm, CUTS_IDM, right=True)), ("sid", sid)):
            rows[k].append(v)
    out = {k: np.concatenate(v) for k, v in rows.items()}
    order = np.lexsort((out["tahun"], out["v"]))
    return {k: v[order] for k, v in out.items()}

"""Per-kabupaten village budgets (``apbdes``): pools, earmarks and realisation."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .catalogue import FIXED_POOLS, IS_BASIC, IS_REVENUE, LINE_P, LINE_W, N_LINES, POOL_COLS, SPLIT_POOLS
from .parameters import ApbdesParam, Batas, DemoParameters, Peluang
from .services import S_APB, S_APB_DESA, r1000, stream_rng


def _rules_for(year: int, A: ApbdesParam) -> dict[str, Batas]:
    known = sorted(A.aturan_dana_desa)
    earlier = [y for y in known if y <= year]
    return A.aturan_dana_desa[earlier[-1] if earlier else known[0]]


def _earmark_shares(year: int, n: int, A: ApbdesParam, r: np.random.Generator) -> dict[str, np.ndarray]:
    """Shares of Dana Desa for BLT, food security and operations; ~`pelanggaran` villages breach one rule."""
    rules = _rules_for(year, A)
    m = A.margin
    shares: dict[str, np.ndarray] = {}
    for kind in ("blt", "ketahanan_pangan", "operasional"):
        b = rules.get(kind, Batas())
        free_lo, free_hi = A.porsi_bebas[kind]
        lo = b.min + m if b.min is not None else free_lo
        hi = b.max - m if b.max is not None else (b.min + 0.06 if b.min is not None else free_hi)
        lo = min(lo, hi)
        shares[kind] = r.uniform(lo, hi, n)
    applicable = [k for k in ("blt", "ketahanan_pangan", "operasional") if k in rules]
    breach = r.random(n) < A.pelanggaran
    which = r.integers(0, len(applicable), n)
    side = r.random(n)
    for ki, kind in enumerate(applicable):
        b = rules[kind]
        sel = breach & (which == ki)
        below = r.uniform(b.min * 0.4, b.min - 2 * m, n) if b.min is not None else None
        above = r.uniform(b.max + 2 * m, b.max + 0.10, n) if b.max is not None else None
        if below is not None and above is not None:
            val = np.where(side < 0.5, below, above)
        else:
            val = below if below is not None else above
        shares[kind] = np.where(sel, val, shares[kind])
    return shares


def _apbdes_kab_year(kab: str, prov: str, n: int, t: int, vill: dict[str, np.ndarray], prm: DemoParameters,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Budget and realisation matrices (villages × catalogue lines) of the desa of one kabupaten-year."""
    A = prm.apbdes
    r = stream_rng(seed, kab, S_APB, t)
    M = np.zeros((n, N_LINES))
    D = r1000(vill["dd"] * (1.0 + r.normal(0, A.derau_dana_desa, n)) * 1e6)
    B = r1000(r.uniform(*A.bagi_hasil_juta, n) * 1e6)
    P = r1000(r.uniform(*A.pades_juta, n) * 1e6)

    def optional(par: Peluang) -> np.ndarray:
        has = r.random(n) < par.peluang
        return np.where(has, r1000(r.uniform(*par.juta, n) * 1e6), 0.0)

    PBP, PBK, DLL = optional(A.bantuan_provinsi), optional(A.bantuan_kabupaten), optional(A.pendapatan_lain)
    S = r1000(r.uniform(*A.silpa_masuk, n) * (D + B + P + PBP + PBK + DLL))
    pm = A.penyertaan_modal
    OUT = np.where(r.random(n) < float(pm["peluang"]), r1000(r.uniform(*pm["porsi_dd"], n) * D), 0.0)

    sh = _earmark_shares(t, n, A, r)
    blt_unit = A.blt_per_keluarga_tahun
    BLT = np.round(sh["blt"] * D / blt_unit) * blt_unit
    KP = r1000(sh["ketahanan_pangan"] * D)
    OP = r1000(sh["operasional"] * D)
    DFREE = D - BLT - KP - OP - OUT

    over = r.random(n) < float(A.porsi_siltap_di_atas_batas["peluang"])
    pshare = np.where(over, r.uniform(*A.porsi_siltap_di_atas_batas["rentang"], n), r.uniform(*A.porsi_siltap, n))
    f = r.uniform(*A.porsi_siltap_dari_add, n)
    X = D + B + P + PBP + PBK + DLL + S - OUT
    ADD = r1000(pshare * X / (f - pshare))
    PERS = r1000(pshare * (X + ADD))

    amounts = {
        "REV_DDS": D, "REV_ADD": ADD, "REV_PBH": B, "REV_PBP": PBP, "REV_PBK": PBK, "REV_DLL": DLL,
        "FIN_SILPA": S, "FIN_OUT": OUT, "OPDD": OP, "BLT": BLT,
        "REV_PAD": P, "PERS": PERS, "ADD": ADD - PERS, "PBH": B, "PAD": P, "KP": KP, "DDS": DFREE,
        "PBP": PBP, "PBK": PBK, "DLL": DLL, "SILPA": S,
    }
    exists = r.random((n, N_LINES)) < LINE_P
    jitter = r.gamma(4.0, 0.25, (n, N_LINES))
    jitter_pers = r.normal(1.0, 0.05, (n, N_LINES))
    tilt = vill["tilt"][:, None] * r.lognormal(0.0, 0.15, (n, 1))
    for pool in FIXED_POOLS:
        M[:, POOL_COLS[pool][0]] = amounts[pool]
    for pool in SPLIT_POOLS:
        cols = POOL_COLS[pool]
        total = amounts[pool]
        w = LINE_W[cols] * (jitter_pers[:, cols] if pool == "PERS" else jitter[:, cols]) * exists[:, cols]
        w = np.where(IS_BASIC[cols], w * tilt, w)
        part = r1000(total[:, None] * w / w.sum(axis=1, keepdims=True))
        part[:, 0] += total - part.sum(axis=1)  # rounding residual goes to the always-present line
        M[:, cols] = part
    M = np.where(M > 0, M, 0.0)

    # Realisation never above budget: spending realised a bit below the revenue rate,
    # so the realised SiLPA stays positive.
    rev_rate = r.uniform(*A.realisasi_pendapatan, (n, 1))
    spend_rate = np.clip(vill["real"][:, None] + r.normal(0, 0.08, (n, N_LINES)), A.realisasi[0],
                         np.minimum(A.realisasi[1], rev_rate - 0.005))
    rate = np.where(IS_REVENUE, rev_rate, spend_rate)
    # Salaries and BLT are paid (almost) in full.
    full = np.r_[POOL_COLS["PERS"], POOL_COLS["BLT"]]
    rate[:, full] = np.minimum(r.uniform(0.93, 1.0, (n, len(full))), rev_rate - 0.005)
    rate[:, POOL_COLS["FIN_SILPA"]] = 1.0
    R = np.floor(M * rate / 1000.0) * 1000.0
    return M, R


def apbdes_kab(kab: str, prov: str, wk: pd.DataFrame, years: Sequence[int], prm: DemoParameters, seed: int
                ) -> tuple[dict[str, np.ndarray], dict[int, np.ndarray]]:
    """APBDes lines of the desa (not kelurahan) of one kabupaten; also the budget matrix per year."""
    A = prm.apbdes
    desa_pos = np.flatnonzero((wk["jenis"] == "desa").to_numpy(dtype=bool))
    n = len(desa_pos)
    r = stream_rng(seed, kab, S_APB_DESA)
    vill = {
        "dd": r.uniform(*A.dana_desa_juta, n),
        "tilt": r.lognormal(0.0, A.sd_kecenderungan_layanan_dasar, n),
        "real": r.uniform(max(A.realisasi[0], 0.7), 0.97, n),
    }
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("v", "tahun", "line", "anggaran", "realisasi")}
    mats: dict[int, np.ndarray] = {}
    for t in years:
        if n == 0:
            mats[t] = np.zeros((0, N_LINES))
            continue
        M, R = _apbdes_kab_year(kab, prov, n, t, vill, prm, seed)
        mats[t] = M
        vi, li = np.nonzero(M)
        parts["v"].append(desa_pos[vi])
        parts["tahun"].append(np.full(len(vi), t))
        parts["line"].append(li)
        parts["anggaran"].append(M[vi, li])
        parts["realisasi"].append(R[vi, li])
    out = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in parts.items()}
    for k in ("v", "tahun", "line"):
        out[k] = out[k].astype(np.int64)
    return out, mats

"""Per-kabupaten community proposals (``usulan``) and their funding status."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .catalogue import (
    DEFAULT_KEG, FORUM, KEG_POS, LINE_KEG_POS, N_LINES, SEKTOR_LINES, SEKTOR_USULAN, STATUS_USULAN, USULAN_OFFSET,
)
from .parameters import DemoParameters
from .services import S_USULAN, r1000, stream_rng


def usulan_kab(kab: str, wk: pd.DataFrame, years: Sequence[int], mats: dict[int, np.ndarray],
                prm: DemoParameters, seed: int) -> dict[str, np.ndarray]:
    U = prm.usulan
    desa_pos = np.flatnonzero((wk["jenis"] == "desa").to_numpy(dtype=bool))
    n = len(desa_pos)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in
                                          ("v", "tahun", "forum", "sektor", "tmpl", "j", "keg", "biaya", "status",
                                           "setuju")}
    forum_p = np.array([U.forum.get(f, 0.0) for f in FORUM])
    sektor_p = np.array([U.sektor.get(s, 0.0) for s in SEKTOR_USULAN])
    status_p = np.array([U.status.get(s, 0.0) for s in STATUS_USULAN])
    for t in years:
        if n == 0:
            continue
        r = stream_rng(seed, kab, S_USULAN, t)
        k = r.integers(U.jumlah[0], U.jumlah[1] + 1, n)
        row_v = np.repeat(np.arange(n), k)
        m = len(row_v)
        j = np.arange(m) - np.repeat(np.cumsum(k) - k, k)
        forum = r.choice(len(FORUM), m, p=forum_p / forum_p.sum())
        sektor = r.choice(len(SEKTOR_USULAN), m, p=sektor_p / sektor_p.sum())
        n_t = np.diff(USULAN_OFFSET)[sektor]
        tmpl = USULAN_OFFSET[sektor] + (r.random(m) * n_t).astype(np.int64)
        lo = np.array([U.biaya_juta[s][0] for s in SEKTOR_USULAN])[sektor]
        hi = np.array([U.biaya_juta[s][1] for s in SEKTOR_USULAN])[sektor]
        biaya = r1000(r.uniform(lo, hi) * 1e6)
        status = r.choice(len(STATUS_USULAN), m, p=status_p / status_p.sum())
        funded = status <= 1
        setuju = np.where(funded, r1000(biaya * r.uniform(*U.porsi_disetujui, m)), np.nan)
        keg = np.full(m, -1, dtype=np.int64)
        score = r.random((m, N_LINES))
        M = mats[t]
        for si, s in enumerate(SEKTOR_USULAN):
            sel = np.flatnonzero((sektor == si) & (status == 0))
            if len(sel) == 0:
                continue
            cols = SEKTOR_LINES[s]
            present = M[row_v[sel]][:, cols] > 0
            sc = np.where(present, score[sel][:, cols], -1.0)
            best = cols[np.argmax(sc, axis=1)]
            keg[sel] = np.where(present.any(axis=1), LINE_KEG_POS[best], KEG_POS[DEFAULT_KEG[s]])
        for key, val in (("v", desa_pos[row_v]), ("tahun", np.full(m, t)), ("forum", forum), ("sektor", sektor),
                         ("tmpl", tmpl), ("j", j), ("keg", keg), ("biaya", biaya), ("status", status),
                         ("setuju", setuju)):
            parts[key].append(val)
    if not parts["v"]:
        return {k: np.zeros(0, dtype=np.int64) for k in parts}
    out = {k: np.concatenate(v) for k, v in parts.items()}
    order = np.lexsort((out["j"], out["tahun"], out["v"]))
    return {k: v[order] for k, v in out.items()}

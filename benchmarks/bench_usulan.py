"""Benchmark of p3pd_lib.usulan on synthetic tables the size of the full demo.

4 provinces × 4 years ≈ 30,000 desa × 4 = 120,000 desa-years: ≈ 10 proposals each
(1.2 million), 17 classified indicators each (2 million rows), 12 mapped belanja lines
each (1.4 million). Prints the time of each public function.
Run: ``.venv/bin/python benchmarks/bench_usulan.py [n_desa]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from p3pd_lib import usulan as us

N_DESA = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
YEARS = np.array([2022, 2023, 2024, 2025])
rng = np.random.default_rng(7)


def codes(n: int) -> np.ndarray:
    # 20 desa per kecamatan, 99 kecamatan per kabupaten: unique, well-formed codes.
    return np.array([f"33.{k // 1980 + 1:02d}.{(k // 20) % 99 + 1:02d}.{2001 + k % 20}" for k in range(n)], dtype=object)


def build_tables(n_desa: int = N_DESA) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Synthetic ``usulan``, classified ``need`` and mapped APBDes lines of ``n_desa`` desa."""
    desa = codes(n_desa)
    dy_desa = np.repeat(desa, len(YEARS))
    dy_year = np.tile(YEARS, n_desa)
    n_dy = len(dy_desa)

    per = 10
    sektor = np.array([*us.SEKTOR, "LAIN"], dtype=object)
    status = np.array(["didanai_apbdes", "didanai_pihak_lain", "belum_didanai", "ditolak"], dtype=object)
    idx = np.repeat(np.arange(n_dy), per)
    st = status[rng.integers(0, 4, len(idx))]
    usulan = pd.DataFrame({
        "kode_desa": pd.array(dy_desa[idx], dtype="string"),
        "tahun": pd.array(dy_year[idx], dtype="Int64"),
        "sektor": pd.array(sektor[rng.choice(6, len(idx), p=[.07, .1, .1, .07, .04, .62])], dtype="string"),
        "status": pd.array(st, dtype="string"),
        "kode_kegiatan": pd.array(np.where(st == "didanai_apbdes", "02.02.01", None), dtype="string"),
        "perkiraan_biaya": pd.array(rng.uniform(1e7, 2e8, len(idx)), dtype="Float64"),
        "anggaran_disetujui": pd.array(np.where(st == "didanai_apbdes", 5e7, np.nan), dtype="Float64"),
    })

    n_ind = 17
    idx = np.repeat(np.arange(n_dy), n_ind)
    need = pd.DataFrame({
        "kode_desa": pd.array(dy_desa[idx], dtype="string"),
        "tahun": pd.array(dy_year[idx], dtype="Int64"),
        "sektor": pd.array(np.tile(np.array(["KES"] * 6 + ["PEND"] * 3 + ["AIR"] * 3 + ["SOS"] * 2 + ["ADM"] * 3,
                                            dtype=object), n_dy), dtype="string"),
        "kelas": pd.array(np.array(["hijau", "kuning", "merah", "abu"], dtype=object)[rng.integers(0, 4, len(idx))],
                          dtype="string"),
    })

    lines_kk = np.array(["01.01.01", "01.01.04", "02.01.01", "02.02.01", "02.02.90", "02.03.01", "02.03.10",
                         "02.04.04", "03.01.01", "04.02.01", "05.03.01", "01.03.01"], dtype=object)
    lines_sek = np.array([None, None, "PEND", "KES", "AIR", None, None, "AIR", None, None, "SOS", "ADM"], dtype=object)
    idx = np.repeat(np.arange(n_dy), len(lines_kk))
    mapped = pd.DataFrame({
        "kode_desa": pd.array(dy_desa[idx], dtype="string"),
        "tahun": pd.array(dy_year[idx], dtype="Int64"),
        "kode_kegiatan": pd.array(np.tile(lines_kk, n_dy), dtype="string"),
        "jenis_baris": "belanja",
        "sektor": pd.array(np.tile(lines_sek, n_dy), dtype="string"),
        "anggaran": pd.array(rng.uniform(1e6, 3e8, len(idx)), dtype="Float64"),
    })
    return usulan, need, mapped


def main() -> None:
    usulan, need, mapped = build_tables()
    print(f"{N_DESA:,} desa × {len(YEARS)} tahun: usulan {len(usulan):,}, capaian {len(need):,}, "
          f"baris belanja {len(mapped):,}")

    def timed(label, fn):
        t0 = time.perf_counter()
        out = fn()
        print(f"{label:<32} {time.perf_counter() - t0:6.2f} s  ({len(out):,} baris)")
        return out

    summary = timed("proposal_summary", lambda: us.proposal_summary(usulan))
    shares = timed("sector_shares", lambda: us.sector_shares(mapped))
    budget = timed("budget_answering_proposals", lambda: us.budget_answering_proposals(mapped, usulan))
    classes = timed("need_demand_supply", lambda: us.need_demand_supply(need, usulan, shares))
    timed("aggregate_classes", lambda: us.aggregate_classes(classes))
    timed("aggregate_proposals", lambda: us.aggregate_proposals(summary))
    timed("aggregate_budget_answering", lambda: us.aggregate_budget_answering(budget))
    timed("agenda_rows", lambda: us.agenda_rows(classes))


if __name__ == "__main__":
    main()

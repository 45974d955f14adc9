"""Benchmark of p3pd_lib.usulan and the classifications it reads, on the demo store: one kabupaten first (cold),
then the whole demo.

Run: ``P3PD_DATA_DIR=/work/main/data .venv/bin/python benchmarks/bench_usulan.py``.
"""

from __future__ import annotations

from _store import KABUPATEN, tables, timed

from p3pd_lib import belanja, classify, indicators, usulan


def run(t: dict, label: str) -> None:
    mapped = belanja.map_apbdes(t["apbdes"], t["wilayah"])
    cat = indicators.catalogue_frame(indicators.load_catalogue())
    values = indicators.desa_values(t["layanan"], cat)
    print(label)
    need = timed("classify.traffic_light", classify.traffic_light, values, cat)
    timed("classify.sector_scores", classify.sector_scores, values, cat)
    timed("demand_tables (what analysis.analyse calls)", usulan.demand_tables, need, t["usulan"], mapped, t["wilayah"])
    timed("proposal_summary", usulan.proposal_summary, t["usulan"], wilayah=t["wilayah"])
    timed("budget_answering_proposals", usulan.budget_answering_proposals, mapped, t["usulan"],
          wilayah=t["wilayah"])
    shares = timed("sector_shares", usulan.sector_shares, mapped)
    timed("need_demand_supply", usulan.need_demand_supply, need, t["usulan"], shares, t["wilayah"])


if __name__ == "__main__":
    whole, kab = tables()
    run(kab, f"kabupaten {KABUPATEN} (dingin)")
    run(whole, "seluruh demo")

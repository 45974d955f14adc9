"""Workshop (lokakarya) support: what the training notebooks call, and nothing else.

The notebooks under ``notebooks/pelatihan/`` teach with the kit's own
functions: each is prose plus a few calls to this module and to the modules the
reports use (:mod:`~p3pd_lib.analysis`, :mod:`~p3pd_lib.figures`, …). What the
teaching needs beyond the reports lives here, pure and tested:

- :func:`check_parameters` / :func:`setup` — the notebooks' parameters
  (``kode_kecamatan, tahun, data_dir, mode_jawaban``) validated with
  Indonesian messages, the store loaded once per kernel and the kecamatan view
  built (:class:`Workshop`);
- exercises: every expected answer is computed from the data by the library
  (:data:`EXERCISES`, :func:`answer_key`); :func:`check_answer` answers
  "Benar" or gives an Indonesian hint. In answer mode (``mode_jawaban=True``)
  an unanswered exercise is filled with its expected answer, so a trainer's
  copy (and the tests) show the key;
- teaching tables: where each number comes from (:func:`data_sources`), the
  wrong answer a mean of village percentages gives (:func:`mean_vs_ratio`),
  how many villages change colour when the bands move
  (:func:`band_change_summary`, :func:`band_slider`), reading APBDes codes
  (:func:`explain_kegiatan_code`), Dana Desa rules by year
  (:func:`rules_by_year`, :func:`judge_share_by_year`), the planted
  data-quality problems of the demo data (:func:`planted_problems`,
  :func:`match_planted`), and running a report with papermill
  (:func:`run_report`).

>>> check_parameters(kode_kecamatan="33.07.01", tahun=2024).kode_kecamatan
'33.07.01'
>>> check_answer(Exercise("x", "01", "Berapa?", "angka", 16), "16").benar
True
"""

from .parameters import WorkshopParams, check_parameters
from .answers import Exercise, Feedback, check_answer, parse_number
from .agenda_quality_tables import (
    agenda_by_party, finding_codes, kabupaten_findings, match_planted, need_demand_counts, planted_problems,
    quadrant_counts, unmet_needs,
)
from .indicator_tables import (
    SUMBER_DATA, SUMBER_LAIN, data_sources, indicator_detail, mean_vs_ratio, mean_vs_ratio_all_years,
    one_case_points, sector_overview, small_denominators,
)
from .band_tables import (
    BandChange, band_change_summary, band_rules, band_scenarios, band_slider, colour_counts, idm_counts,
)
from .report_bridge import (
    OUTPUT_ENV, ReportRun, dashboard_preview, dashboard_url, default_output_dir, report_parameters, run_report,
)
from .spending_tables import (
    BIDANG, SUB_BIDANG, breaches_by_year, desa_budget_lines, explain_codes, explain_kegiatan_code,
    judge_share_by_year, kecamatan_share, rule_rows, rules_by_year,
)
from .exercises import EXERCISES, KEY_END, KEY_START, answer_key, answer_key_markdown, guide_answer_block
from .workshop import RENDERER, Workshop, banner, header, notebook_css, offline_plotly, setup

__all__ = [
    "RENDERER", "offline_plotly",
    "BIDANG",
    "EXERCISES",
    "SUB_BIDANG",
    "SUMBER_DATA",
    "BandChange",
    "Exercise",
    "Feedback",
    "ReportRun",
    "Workshop",
    "WorkshopParams",
    "agenda_by_party",
    "answer_key",
    "answer_key_markdown",
    "band_change_summary",
    "band_scenarios",
    "band_rules",
    "band_slider",
    "banner",
    "breaches_by_year",
    "check_answer",
    "check_parameters",
    "colour_counts",
    "dashboard_preview",
    "dashboard_url",
    "data_sources",
    "default_output_dir",
    "desa_budget_lines",
    "explain_codes",
    "explain_kegiatan_code",
    "finding_codes",
    "guide_answer_block",
    "header",
    "idm_counts",
    "indicator_detail",
    "judge_share_by_year",
    "kabupaten_findings",
    "kecamatan_share",
    "match_planted",
    "mean_vs_ratio",
    "mean_vs_ratio_all_years",
    "need_demand_counts",
    "notebook_css",
    "one_case_points",
    "parse_number",
    "planted_problems",
    "quadrant_counts",
    "report_parameters",
    "rule_rows",
    "rules_by_year",
    "run_report",
    "sector_overview",
    "setup",
    "small_denominators",
    "unmet_needs",
]

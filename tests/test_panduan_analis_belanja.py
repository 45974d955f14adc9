"""The worked examples of docs/panduan_analis.md (sections on budget mapping and quality checks) run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "panduan_analis.md"
SECTIONS = ("Menambah aturan pemetaan belanja", "Menambah pemeriksaan kualitas")


def _section(title: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(title)
    nxt = re.search(r"^## ", text[start:].split("\n", 1)[1], flags=re.M)
    return text[start:] if nxt is None else text[start: start + len(title) + 1 + nxt.start()]


@pytest.mark.parametrize("title", SECTIONS)
def test_python_examples_of_the_section_run(title):
    blocks = re.findall(r"```python\n(.*?)```", _section(title), flags=re.S)
    assert blocks, f"bagian '{title}' tidak memuat contoh Python"
    for code in blocks:
        exec(compile(code, f"panduan_analis.md: {title}", "exec"), {})


def test_yaml_example_is_a_valid_quality_rule_that_finds_the_row(tmp_path, monkeypatch):
    import pandas as pd

    from p3pd_lib import parameter_files, quality

    block = re.findall(r"```yaml\n(.*?)```", _section(SECTIONS[1]), flags=re.S)[0]
    current = yaml.safe_load(parameter_files.paths.parameter_file("kualitas.yaml").read_text(encoding="utf-8"))
    current.update(yaml.safe_load(block))
    (tmp_path / "kualitas.yaml").write_text(yaml.safe_dump(current, allow_unicode=True), encoding="utf-8")
    rules = parameter_files.load_quality(tmp_path / "kualitas.yaml").pemeriksaan_tambahan
    layanan = pd.DataFrame({"kode_desa": ["33.07.01.2001"], "tahun": [2024], "penduduk": [12]})
    assert quality.check_declared_rules({"layanan": layanan}, rules)["aturan"].tolist() == ["penduduk_terlalu_kecil"]


def test_csv_line_of_the_mapping_example_parses_like_the_file():
    import io

    import pandas as pd

    line = re.search(r"`(bahasa isyarat,[^`]*)`", _section(SECTIONS[0])).group(1)
    from p3pd_lib import belanja

    header = ",".join(belanja.load_keyword_rules().columns)
    row = pd.read_csv(io.StringIO(header + "\n" + line), dtype="string")
    assert belanja.validate_keyword_rules(row)["sektor"].tolist() == ["SOS"]

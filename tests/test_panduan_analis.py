"""Every ```python example of docs/panduan_analis.md runs, section by section (each in a fresh namespace).

Examples point the kit at a copy of parameters/ through P3PD_PARAMETERS_DIR; the variable is restored
after each section, so the project's own parameter files are never touched.
"""

from __future__ import annotations

import re

import pytest

from p3pd_lib import paths

GUIDE = paths.DOCS_DIR / "panduan_analis.md"


def _sections() -> dict[str, list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        title = part.splitlines()[0].strip()
        out[title] = re.findall(r"^```python\n(.*?)^```", part, flags=re.M | re.S)
    return out


def test_guide_has_the_sections_analysts_need():
    sections = _sections()
    for title in ("Menambah indikator", "Mengubah ambang atau target"):
        assert sections.get(title), f"bagian '{title}' tanpa contoh"


@pytest.mark.parametrize("title", [t for t, blocks in _sections().items() if blocks])
def test_guide_examples_run(title, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("P3PD_PARAMETERS_DIR", str(paths.PARAMETERS_DIR))  # restored after the test
    namespace: dict = {}
    for block in _sections()[title]:
        exec(compile(block, f"{GUIDE.name}: {title}", "exec"), namespace)  # noqa: S102 - our own guide

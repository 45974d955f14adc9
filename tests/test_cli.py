"""The ``p3pd`` command speaks Bahasa Indonesia (argparse's own texts included), prints Indonesian
decimals, and exits quietly when its reader goes away (``p3pd … | head -1``)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from p3pd_lib import cli
from p3pd_lib.batch.run import BatchResult
from p3pd_lib.cli_parser import IndonesianArgumentParser, translate_error
from p3pd_lib.paths import PROJECT_ROOT

ENGLISH = re.compile(r"usage:|options:|positional arguments|show this help|error:|required|invalid choice|"
                     r"unrecognized|expected one|program's version")


def _run(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


@pytest.mark.parametrize("argv", [["--help"], ["ringkasan", "--help"], ["laporan", "-h"], ["impor", "--help"]])
def test_help_is_indonesian(capsys, argv):
    code, text = _run(capsys, argv)
    assert code == 0 and text.startswith("penggunaan: p3pd")
    assert "opsi:" in text and "tampilkan bantuan ini lalu keluar" in text
    assert not ENGLISH.search(text), ENGLISH.search(text)


@pytest.mark.parametrize("argv, fragment", [
    (["ringkasan"], "argumen berikut wajib diisi: --kabupaten"),
    (["perintah-asing"], "pilihan tidak dikenal: 'perintah-asing' (pilih dari 'demo-data'"),
    (["ringkasan", "--kabupaten", "33.07", "--tahun", "dua"], "argumen --tahun: nilai bilangan bulat tidak sah: 'dua'"),
    (["ringkasan", "--kabupaten", "33.07", "--lebih"], "argumen tidak dikenal: --lebih"),
    (["ringkasan", "--kabupaten"], "argumen --kabupaten: perlu satu nilai"),
    ([], "argumen berikut wajib diisi: PERINTAH"),
])
def test_usage_errors_are_indonesian(capsys, argv, fragment):
    code, text = _run(capsys, argv)
    assert code == 2
    assert fragment in text and "galat:" in text and text.startswith("penggunaan: p3pd")
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_unknown_messages_pass_unchanged_and_nested_ones_are_translated():
    assert translate_error("something new in Python 3.99") == "something new in Python 3.99"
    assert translate_error("argument --x: expected at least one argument") == \
        "argumen --x: perlu sekurang-kurangnya satu nilai"
    p = IndonesianArgumentParser(prog="uji", add_help=False)
    assert "-h" not in p.format_help()


def test_ringkasan_prints_decimal_commas(demo_store, capsys):
    assert cli.main(["ringkasan", "--kabupaten", "33.07", "--tahun", "2024", "--data-dir", str(demo_store)]) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if re.match(r"\s*\d+\s+33\.07\.\d\d", ln)]
    assert rows, out
    for ln in rows:
        numbers = ln.split()[-4:]  # indeks capaian, nilai merah, belanja LD, siltap
        assert re.fullmatch(r"\d,\d{3}|–", numbers[0]) and re.fullmatch(r"\d+(,\d)?|–", numbers[2]), ln
    assert not re.search(r"\d\.\d(?!\d\.)", "\n".join(r.split("33.07.", 1)[1][3:] for r in rows))


def test_batch_summary_line_uses_decimal_commas(tmp_path):
    entries = [{"kode": "33.07.01", "status": "berhasil"}, {"kode": "33.07.02", "status": "berhasil"}]
    text = BatchResult(tmp_path, entries, duration=2.92, tahun=2024, n_workers=2).summary()
    assert "dalam 2,9 detik" in text and "(1,46 detik/laporan efektif, 2 pekerja)" in text
    assert not re.search(r"\d\.\d+ detik", text)


def test_piping_into_head_exits_quietly():
    """``p3pd … | head -1``: the reader closes the pipe after one line while the command still
    prints (a million lines, line by line); no BrokenPipeError traceback, exit code 1."""
    code = ("import sys; from p3pd_lib import cli; "
            "cli._run = lambda argv: [print(i) for i in range(10**6)] and 0; "  # a command that prints a lot
            "sys.exit(cli.main([]))")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=PROJECT_ROOT)
    first = proc.stdout.readline()
    proc.stdout.close()  # like head -1 after its first line
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert first.strip() == b"0"
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == 1


def test_console_script_is_the_quiet_main():
    text = (Path(PROJECT_ROOT) / "pyproject.toml").read_text(encoding="utf-8")
    assert 'p3pd = "p3pd_lib.cli:main"' in text


def test_wilayah_cari_prints_indonesian_headers_and_decimal_commas(capsys):
    assert cli.main(["wilayah", "cari", "wadaslintan", "--batas", "3"]) == 0
    out = capsys.readouterr().out
    head, *rows = out.splitlines()
    assert head.split()[:2] == ["Kode", "Nama"] and "Kemiripan" in head
    assert rows and all(re.search(r"\d+,\d$", r.strip()) for r in rows), out

"""An ``argparse.ArgumentParser`` that speaks Bahasa Indonesia, and a quiet exit on a closed pipe.

argparse writes its own words ("usage:", "options", "the following arguments are required",
"show this help message and exit", "invalid choice" …) through gettext, and the kit ships no
catalogue for them. Instead of installing a translation function into argparse's module
(``argparse._``, a private name), :class:`IndonesianArgumentParser` uses the documented
overrides only (written against Python 3.11; the English texts are those of 3.10–3.13):

- ``add_help=False`` plus its own ``-h/--help`` with an Indonesian help text;
- :meth:`format_usage` / :meth:`format_help` rename the section headings of the finished text;
- :meth:`error` (documented as the method to override) translates the message before printing.

A message argparse adds in a later Python version and not listed in :data:`PESAN` is shown as
it is (still without a traceback).

>>> p = IndonesianArgumentParser(prog="p3pd")
>>> p.format_usage()
'penggunaan: p3pd [-h]\\n'
>>> translate_error("the following arguments are required: --kabupaten")
'argumen berikut wajib diisi: --kabupaten'
>>> translate_error("argument PERINTAH: invalid choice: 'x' (choose from 'impor', 'periksa')")
"argumen PERINTAH: pilihan tidak dikenal: 'x' (pilih dari 'impor', 'periksa')"
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any, Callable, NoReturn

#: argparse's English error messages (Python 3.10–3.13) and their Indonesian texts; tried in order.
PESAN: tuple[tuple[str, str], ...] = (
    (r"^argument (.+?): (.*)$", "argumen {0}: {1}"),
    (r"^the following arguments are required: (.*)$", "argumen berikut wajib diisi: {0}"),
    (r"^one of the arguments (.*) is required$", "salah satu argumen ini wajib diisi: {0}"),
    (r"^unrecognized arguments: (.*)$", "argumen tidak dikenal: {0}"),
    (r"^invalid choice: (.*) \(choose from (.*)\)$", "pilihan tidak dikenal: {0} (pilih dari {1})"),
    (r"^invalid (\w+) value: (.*)$", "nilai {0} tidak sah: {1}"),
    (r"^expected one argument$", "perlu satu nilai"),
    (r"^expected at most one argument$", "paling banyak satu nilai"),
    (r"^expected at least one argument$", "perlu sekurang-kurangnya satu nilai"),
    (r"^expected (\d+) arguments?$", "perlu {0} nilai"),
    (r"^not allowed with argument (.*)$", "tidak boleh bersama argumen {0}"),
    (r"^ambiguous option: (.*?) could match (.*)$", "opsi {0} taksa, bisa berarti {1}"),
    (r"^ignored explicit argument (.*)$", "nilai {0} diabaikan"),
)

#: argparse's section headings (start of a line) and their Indonesian texts.
JUDUL = {"usage: ": "penggunaan: ", "options:": "opsi:", "optional arguments:": "opsi:",
         "positional arguments:": "argumen posisi:"}

_JUDUL = re.compile(r"^(" + "|".join(re.escape(k) for k in JUDUL) + ")", re.MULTILINE)
_TYPES = {"int": "bilangan bulat", "float": "bilangan", "str": "teks"}


def translate_error(message: str) -> str:
    """argparse's English error message in Bahasa Indonesia (unknown messages unchanged)."""
    for pattern, text in PESAN:
        m = re.match(pattern, message, re.DOTALL)
        if m:
            parts = list(m.groups())
            if pattern.startswith("^argument "):  # "argument --tahun: <message>": the message too
                parts[1] = translate_error(parts[1])
            elif pattern.startswith("^invalid (\\w+) value"):
                parts[0] = _TYPES.get(parts[0], parts[0])
            return text.format(*parts)
    return message


class IndonesianArgumentParser(argparse.ArgumentParser):
    """``ArgumentParser`` whose own texts (usage, headings, -h, errors) are in Bahasa Indonesia.

    Subparsers made by :meth:`add_subparsers` are of the same class (argparse's default), so
    every subcommand speaks Indonesian too.
    """

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="tampilkan bantuan ini lalu keluar")

    def format_usage(self) -> str:
        return _JUDUL.sub(lambda m: JUDUL[m.group(1)], super().format_usage())

    def format_help(self) -> str:
        return _JUDUL.sub(lambda m: JUDUL[m.group(1)], super().format_help())

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: galat: {translate_error(message)}\n")


def quiet_on_broken_pipe(run: Callable[[], int]) -> int:
    """Run ``run()``; when the reader of standard output went away (``p3pd … | head -1``), exit
    quietly instead of printing a ``BrokenPipeError`` traceback.

    The pattern of the Python documentation (module :mod:`signal`, "Note on SIGPIPE"): standard
    output is pointed at ``os.devnull`` so the interpreter's final flush cannot fail again.
    """
    try:
        code = run()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1

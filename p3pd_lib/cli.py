"""The ``p3pd`` command: argument parsing and printing only.

Each subcommand parses its arguments here and calls one function of the
library; the logic lives in the modules. Errors the user can fix are printed in
Bahasa Indonesia without a traceback (exit code 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from . import __version__

Handler = Callable[[argparse.Namespace], int]


def _add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None, help="folder data (berisi raw/ dan processed/); bawaan: data/ proyek")


_REGISTRY: list[Callable[[argparse._SubParsersAction], None]] = []


def command(register: Callable[[argparse._SubParsersAction], None]) -> Callable[[argparse._SubParsersAction], None]:
    """Decorator adding a subcommand registration function to the parser."""
    _REGISTRY.append(register)
    return register


# --- subcommands (each block: parser + handler) ---------------------------------------------
# Each block is one ``@command`` function that adds a subparser and sets ``handler``;
# the handler imports its module lazily so ``p3pd --help`` stays fast.



def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (exposed for tests and ``--help``)."""
    parser = argparse.ArgumentParser(
        prog="p3pd",
        description="Kit Analisis Dashboard Kecamatan (P3PD): layanan dasar, belanja desa, agenda terpadu.",
    )
    parser.add_argument("--version", action="version", version=f"p3pd {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    sub.required = True
    for register in _REGISTRY:
        register(sub)
    return parser


# --- end of subcommands ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``p3pd`` console script."""
    from .errors import KitError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KitError as exc:
        print(f"GALAT: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Dihentikan oleh pengguna.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

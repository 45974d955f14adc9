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


@command
def _register_wilayah(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("wilayah", help="daftar resmi wilayah: cari nama, lihat kode (Kepmendagri 300.2.2-2138/2025)")
    wsub = p.add_subparsers(dest="aksi", metavar="AKSI")
    wsub.required = True
    cari = wsub.add_parser("cari", help="cari wilayah menurut nama (toleran salah ketik dan awalan Kec./Desa/Kab.)")
    cari.add_argument("nama", help='nama yang dicari, mis. "Kec. Bakongan"')
    cari.add_argument("--tingkat", default=None, help="provinsi, kabupaten/kota, kecamatan atau desa/kelurahan")
    cari.add_argument("--dalam", default=None, help="hanya di dalam wilayah berkode ini, mis. 11.01")
    cari.add_argument("--batas", type=int, default=5, help="jumlah hasil paling banyak (bawaan 5)")
    cari.set_defaults(handler=_wilayah_cari)
    kode = wsub.add_parser("kode", help="tampilkan nama, tingkat dan induk sebuah kode wilayah")
    kode.add_argument("kode", help="kode wilayah, mis. 11.01.01.2001 atau 1101012001")
    kode.set_defaults(handler=_wilayah_kode)


def _wilayah_cari(args: argparse.Namespace) -> int:
    from .wilayah import search

    found = search(args.nama, args.tingkat, args.dalam, limit=args.batas)
    if found.empty:
        print(f"Tidak ada wilayah yang cocok dengan '{args.nama}'.")
        return 1
    print(found.to_string(index=False))
    return 0


def _wilayah_kode(args: argparse.Namespace) -> int:
    from .wilayah import describe

    for label, value in describe(args.kode).items():
        print(f"{label}: {value}")
    return 0



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

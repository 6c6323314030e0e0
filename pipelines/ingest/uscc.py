"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

18 characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z);
the last one is a check character: with weights 3^i mod 31 over the first 17,
check = 31 - (sum of value × weight mod 31), where 31 counts as 0.
"""

from __future__ import annotations

import operator
import re
import unicodedata

import polars as pl

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))

_VALUE = {char: i for i, char in enumerate(ALPHABET)}
_FORMAT = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
_SPACE = re.compile(r"\s+")
_BYTE_VALUE = pl.Series([_VALUE.get(chr(byte), 0) for byte in range(256)], dtype=pl.Int32)

INVALID_FORMAT = "uscc_invalid_format"
BAD_CHECK_CHAR = "uscc_bad_check_char"


def normalise_uscc(text: str) -> str:
    """Fold a code as typed: full-width to half-width, no spaces anywhere, upper case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).upper()


def check_char(first17: str) -> str:
    """The check character for the first 17 characters of a code (already normalised)."""
    if not _FORMAT.fullmatch(first17 + ALPHABET[0]):
        raise ValueError(f"not 17 characters of the USCC alphabet: {first17!r}")
    return _check_char(first17)


def _check_char(first17: str) -> str:
    total = sum(map(operator.mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[-total % 31]


def problem(code: str) -> str | None:
    """The reason code for a normalised code, or None when it is valid."""
    if not _FORMAT.fullmatch(code):
        return INVALID_FORMAT
    if _check_char(code[:-1]) != code[-1]:
        return BAD_CHECK_CHAR
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None


def problem_expr(code: pl.Expr) -> pl.Expr:
    """`problem` as a Polars expression over normalised codes (null where valid), so a
    million codes are checked without a Python call each.

    A well-formed code is ASCII, so its characters are its bytes, and each byte's value
    in the alphabet is looked up in a 256-entry table.
    """
    data = code.cast(pl.Binary)
    values = [pl.lit(_BYTE_VALUE).gather(data.bin.get(i, null_on_oob=True)) for i in range(LENGTH)]
    total = pl.sum_horizontal(v * weight for v, weight in zip(values[:-1], WEIGHTS, strict=True))
    return (
        pl.when(~code.str.contains(f"^{_FORMAT.pattern}$"))
        .then(pl.lit(INVALID_FORMAT))
        .when(values[-1] != (31 - total % 31) % 31)
        .then(pl.lit(BAD_CHECK_CHAR))
        .otherwise(pl.lit(None, pl.String))
    )

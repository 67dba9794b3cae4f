"""Numbers as people read them: 2500000, never 2.5E+6."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import PlainSerializer


def plain(value: Any) -> Any:
    """A Decimal in positional notation; anything else unchanged."""
    return format(value, "f") if isinstance(value, Decimal) else value


PlainDecimal = Annotated[Decimal, PlainSerializer(plain, return_type=str, when_used="json")]


class DecimalMark(StrEnum):
    """How the sender writes the decimal separator: `comma` as Indonesian Excel does (1.234,5), `point` (1,234.5)."""

    comma = "comma"
    point = "point"


GROUPING = {DecimalMark.comma: ".", DecimalMark.point: ","}
MARK = {DecimalMark.comma: ",", DecimalMark.point: "."}
SPACES = (" ", "\u00a0", "\u202f")  # a space, a no-break space (Excel's French grouping), a narrow one
_SHAPE = re.compile(r"([+-]?)(\d[\d., \u00a0\u202f]*)([eE][+-]?\d+)?")
_GROUPS = re.compile(r"[1-9]\d{0,2}(?:[., \u00a0\u202f]\d{3})*")


def _settled(body: str) -> DecimalMark | None:
    """The convention a number's own marks settle, or None when its meaning hangs on one (`205.000`)."""
    marks = [c for c in body if c in ".,"]
    if not marks:
        return DecimalMark.point  # no mark: either convention reads it the same
    if len(set(marks)) == 2:  # both marks: the last one is the decimal separator
        return DecimalMark.comma if marks[-1] == "," else DecimalMark.point
    if len(marks) > 1:  # one mark, repeated: it groups thousands
        return DecimalMark.point if marks[0] == "," else DecimalMark.comma
    whole, _, fraction = body.partition(marks[0])
    if len(fraction) == 3 and _GROUPS.fullmatch(whole):
        return None  # 205.000 is 205 with a decimal point and 205000 with a decimal comma
    return DecimalMark.comma if marks[0] == "," else DecimalMark.point


def read_number(raw: str, mark: DecimalMark | None = None) -> Decimal:
    """A number as a person wrote it, in the convention declared (`mark`) or, when none was, in the only
    one its marks allow; never guessed. Grouped digits come in threes (`.`/`,`, space or no-break space)."""
    text = raw.strip()
    shape = _SHAPE.fullmatch(text)
    if not shape:
        raise ValueError(f"'{raw}' is not a number")
    sign, body, exponent = shape.groups()
    convention = mark or _settled(body)
    if convention is None:
        a, b = (read_number(raw, m) for m in (DecimalMark.point, DecimalMark.comma))
        raise ValueError(f"'{raw}' is {a.normalize():f} with a decimal point but {b.normalize():f} with a decimal "
                         "comma; declare which (decimal=point or decimal=comma)")
    whole, decimal, fraction = body.partition(MARK[convention])
    if decimal and not fraction.isdigit():
        raise ValueError(f"'{raw}' is not a number with a decimal {convention.value}")
    separators = {c for c in whole if not c.isdigit()}
    if separators and (len(separators) > 1 or not separators <= {GROUPING[convention], *SPACES}
                       or not _GROUPS.fullmatch(whole)):
        raise ValueError(f"'{raw}' does not group its thousands in threes with '{GROUPING[convention]}' "
                         f"(decimal {convention.value})")
    digits = "".join(c for c in whole if c.isdigit())
    return Decimal(f"{sign}{digits}{decimal and '.'}{fraction}{exponent or ''}")


MAX_EXPONENT = 40  # 1e999999999 written out in full would be a gigabyte of digits


def number_of(value: Any, mark: DecimalMark | None = None) -> Decimal:
    """A typed number as it is (a workbook's number cell, a JSON number); text as `read_number` reads it."""
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a number")
    number = Decimal(value) if isinstance(value, Decimal | int) else Decimal(repr(value)) \
        if isinstance(value, float) else read_number(str(value), mark)
    if number.is_finite() and abs(number.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"'{value}' is out of range (at most {MAX_EXPONENT} digits either side of the point)")
    return number

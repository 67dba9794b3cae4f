"""Numbers as ministries write them: read back exactly in the convention declared, never guessed without one."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.numbers import DecimalMark, number_of, read_number

GROUPING = {DecimalMark.comma: ".", DecimalMark.point: ","}
MARK = {DecimalMark.comma: ",", DecimalMark.point: "."}


def written(value: Decimal, mark: DecimalMark, group: str | None) -> str:
    """`value` as a person in that convention writes it, thousands grouped by `group` or not at all."""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    if group is not None:
        whole = f"{int(whole):,}".replace(",", group)
    return ("-" if value.is_signed() else "") + whole + (MARK[mark] + fraction if fraction else "")


values = st.decimals(min_value=-10**12, max_value=10**12, places=4, allow_nan=False, allow_infinity=False)


@given(value=values, mark=st.sampled_from(DecimalMark), group=st.sampled_from(["grouping", " ", "\u00a0", None]))
def test_every_convention_reads_back_exactly_and_undeclared_never_misreads(value, mark, group):
    text = written(value, mark, GROUPING[mark] if group == "grouping" else group)
    assert read_number(text, mark) == value
    try:
        assert read_number(text) == value
    except ValueError as exc:  # the only way out without a declaration: a refusal that asks for one
        assert "declare which" in str(exc)


@pytest.mark.parametrize(("text", "mark", "value"), [
    ("205.000", DecimalMark.comma, Decimal(205000)), ("205.000", DecimalMark.point, Decimal(205)),
    ("1.234,5", None, Decimal("1234.5")), ("1,234.5", None, Decimal("1234.5")),
    ("1.056.896", None, Decimal(1056896)), ("12,5", None, Decimal("12.5")), ("0,250", None, Decimal("0.25")),
    ("2.5E+6", None, Decimal(2500000)), ("25 600 000", None, Decimal(25600000)),
])
def test_what_one_convention_settles(text, mark, value):
    assert read_number(text, mark) == value


@pytest.mark.parametrize(("text", "mark", "says"), [
    ("205.000", None, "205 with a decimal point but 205000 with a decimal comma"),
    ("1,250", None, "1250 with a decimal point but 1.25 with a decimal comma"),
    ("12.5", DecimalMark.comma, "does not group its thousands in threes"),
    ("1.234,5", DecimalMark.point, "not a number with a decimal point"),
    ("12.34.5", None, "does not group"), ("1e5x", None, "not a number"), ("", None, "not a number"),
    ("1e999999999", None, "out of range"),
])
def test_what_is_refused_and_why(text, mark, says):
    with pytest.raises(ValueError, match=says):
        number_of(text, mark)


def test_typed_numbers_need_no_convention():
    assert number_of(1234.5, DecimalMark.comma) == Decimal("1234.5")
    assert number_of(205000) == Decimal(205000)
    with pytest.raises(ValueError):
        number_of(True)

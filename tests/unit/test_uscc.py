import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.ingest.uscc import (
    ALPHABET,
    BAD_CHECK_CHAR,
    INVALID_FORMAT,
    check_char,
    is_valid,
    normalise_uscc,
    problem,
    problem_expr,
)

REAL_CODES = ("9144030071526726XG", "91350100M000100Y43")


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert is_valid(code)
    assert problem(code) is None
    assert check_char(code[:17]) == code[17]


def test_weights_are_powers_of_three_mod_31():
    from pipelines.ingest.uscc import WEIGHTS

    assert WEIGHTS[:6] == (1, 3, 9, 27, 19, 26)
    assert len(WEIGHTS) == 17


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("9144030071526726XH", BAD_CHECK_CHAR),  # last char changed
        ("9144030071526727XG", BAD_CHECK_CHAR),  # one digit changed
        ("91350100M000100Y44", BAD_CHECK_CHAR),
        ("9144030071526726X", INVALID_FORMAT),  # 17 chars
        ("9144030071526726XGG", INVALID_FORMAT),  # 19 chars
        ("9144030071526726IG", INVALID_FORMAT),  # I is not in the alphabet
        ("914403007152672OXG", INVALID_FORMAT),  # nor is O
        ("9144030071526726xg", INVALID_FORMAT),  # not normalised yet
        ("", INVALID_FORMAT),
    ],
)
def test_invalid_codes_give_their_reason(code, reason):
    assert problem(code) == reason
    assert not is_valid(code)


def test_normalise_strips_spaces_folds_width_and_upper_cases():
    assert normalise_uscc(" 9144 0300\u30007152 6726 xg\n") == "9144030071526726XG"
    assert normalise_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


def test_check_char_refuses_bad_input():
    with pytest.raises(ValueError):
        check_char("91440300715267")
    with pytest.raises(ValueError):
        check_char("9144030071526726I")


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_appending_the_check_char_always_gives_a_valid_code(first17):
    assert is_valid(first17 + check_char(first17))


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.integers(0, 16), st.data())
def test_changing_one_character_is_always_caught(first17, position, data):
    code = first17 + check_char(first17)
    other = data.draw(st.sampled_from([c for c in ALPHABET if c != code[position]]))
    changed = code[:position] + other + code[position + 1 :]
    assert problem(changed) == BAD_CHECK_CHAR


@given(st.text(max_size=40))
def test_any_text_gives_a_verdict(text):
    assert problem(normalise_uscc(text)) in (None, INVALID_FORMAT, BAD_CHECK_CHAR)


def _vectorised(codes: list[str | None]) -> list[str | None]:
    frame = pl.DataFrame({"code": codes}, schema={"code": pl.String})
    return frame.select(problem_expr(pl.col("code"))).to_series().to_list()


@pytest.mark.parametrize(
    "code",
    [
        *REAL_CODES,
        "9144030071526726XH",  # wrong check character
        "9144030071526727XG",
        "91350100M000100Y40",
        "9144030071526726X",  # 17 characters
        "9144030071526726XGG",
        "9144030071526726IG",
        "9144030071526726xg",  # lower case: not normalised
        normalise_uscc(" 9144 0300 7152 6726 xg "),  # lower case, normalised
        normalise_uscc("９１３５０１００Ｍ０００１００Ｙ４３"),
        "",
        "上海9144030071526726",
    ],
)
def test_vectorised_check_agrees_with_problem(code):
    assert _vectorised([code]) == [problem(code)]


@given(
    st.lists(
        st.one_of(
            st.text(alphabet=ALPHABET, min_size=17, max_size=17).map(lambda c: c + check_char(c)),
            st.text(alphabet=ALPHABET + "IOSVZxg ", min_size=16, max_size=19),
            st.text(max_size=20).map(normalise_uscc),
            st.none(),
        ),
        max_size=20,
    )
)
def test_vectorised_check_agrees_on_any_code(codes):
    assert _vectorised(codes) == [None if code is None else problem(code) for code in codes]

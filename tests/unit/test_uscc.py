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

"""Tests of course_utils.speech.espeak's voice-variant tools: a variant file is read as text, and an edited copy
of a variant exists only inside its ``with`` block, in a temporary copy of the data folder."""
import numpy as np
import pytest

from course_utils.datasets import speech
from course_utils.speech import espeak


def test_a_variant_file_is_a_list_of_parameter_changes():
    text = espeak.variant_file("Alicia")
    assert "consonants 100 20" in text and "voicing 38" in text
    with pytest.raises(ValueError):
        espeak.variant_file("NoSuchVoice")


def test_an_edited_variant_lives_only_inside_its_block_and_changes_only_what_it_says():
    shipped = espeak.data_path()
    original = speech.synthesise("59", "en-us+Alicia", 175, 50, None, seed=0)
    with espeak.edited_variant("Alicia", "AliciaCopy") as same:
        assert espeak.data_path() != shipped and same in espeak.voice_variants()
        copy = speech.synthesise("59", f"en-us+{same}", 175, 50, None, seed=0)
    np.testing.assert_array_equal(original, copy)  # an unchanged copy speaks exactly as the original
    with espeak.edited_variant("Alicia", "AliciaDefaultConsonants", consonants="100 100", breath="0") as name:
        text = (espeak.data_path() / "voices" / "!v" / name).read_text()
        assert "consonants 100 100" in text and "consonants 100 20" not in text and "breath 0" in text
        changed = speech.synthesise("59", f"en-us+{name}", 175, 50, None, seed=0)
    assert not np.array_equal(original[:len(changed)], changed[:len(original)])
    assert espeak.data_path() == shipped and "AliciaDefaultConsonants" not in espeak.voice_variants()
    with pytest.raises(ValueError):
        with espeak.edited_variant("Alicia", "Alicia"):
            pass

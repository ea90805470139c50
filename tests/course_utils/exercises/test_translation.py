"""Chapter 08's exercises: solutions pass, each typical mistake fails on the case that isolates it with its hint,
and the clipped n-gram counts are sacrebleu's own statistics (on fixed sentences and, property-based, on random
ones over a small vocabulary, where words repeat in either sentence)."""
import numpy as np
import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.exercises import solution, translation


# The typical mistakes registered with the exercise (the same functions the checker's hints are built from).
att_no_tanh = translation._attention_without_tanh
att_no_scale = translation._attention_without_scale
att_no_mask = translation._attention_without_mask
att_softmax_over_queries = translation._attention_softmax_over_queries


def beam_ignores_history(scores, log_probs, beam_width, end_id):
    return solution("beam_step")(np.zeros_like(np.asarray(scores, float)), log_probs, beam_width, end_id)


def beam_ascending(scores, log_probs, beam_width, end_id):
    return tuple(np.asarray(v)[::-1] for v in solution("beam_step")(scores, log_probs, beam_width, end_id))


def beam_per_parent(scores, log_probs, beam_width, end_id):
    totals = np.asarray(scores)[:, None] + np.asarray(log_probs)
    best = [(totals[p, t], p, t) for p in range(len(totals)) for t in np.argsort(-totals[p])[:1]]
    best.sort(key=lambda x: -x[0])
    best = best[:beam_width]
    tokens = np.array([b[2] for b in best])
    return np.array([b[1] for b in best]), tokens, np.array([b[0] for b in best]), tokens == end_id


def beam_no_finished(scores, log_probs, beam_width, end_id):
    parents, tokens, totals, _ = solution("beam_step")(scores, log_probs, beam_width, end_id)
    return parents, tokens, totals, np.zeros(len(tokens), dtype=bool)


def bleu_unclipped(hypothesis, reference, n):
    grams = [tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1)]
    ref = {tuple(reference[i:i + n]) for i in range(len(reference) - n + 1)}
    return sum(g in ref for g in grams), len(grams)


def bleu_reference_total(hypothesis, reference, n):
    return solution("clipped_ngram_matches")(hypothesis, reference, n)[0], max(len(reference) - n + 1, 0)


def bleu_reference_side(hypothesis, reference, n):  # for each reference n-gram: is it in the hypothesis?
    hyp = {tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1)}
    return (sum(tuple(reference[i:i + n]) in hyp for i in range(len(reference) - n + 1)),
            max(len(hypothesis) - n + 1, 0))


def bleu_sets(hypothesis, reference, n):
    hyp = {tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1)}
    return len(hyp & {tuple(reference[i:i + n]) for i in range(len(reference) - n + 1)}), len(hyp)


def bleu_same_position(hypothesis, reference, n):
    grams = [tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1)]
    return sum(g == tuple(reference[i:i + n]) for i, g in enumerate(grams) if i + n <= len(reference)), len(grams)


@pytest.mark.parametrize("name,fn,case,hint", [
    ("additive_attention_weights", att_no_tanh, "unit scale, no padding", "need a tanh"),
    ("additive_attention_weights", att_no_scale, "a scale vector", "scale_j"),
    ("additive_attention_weights", att_no_mask, "padded keys", "ignore the mask"),
    ("additive_attention_weights", att_softmax_over_queries, "unit scale, no padding", "over the queries"),
    ("beam_step", beam_ignores_history, "accumulated scores", None),
    ("beam_step", beam_ascending, "one live hypothesis", "decreasing order"),
    ("beam_step", beam_per_parent, "one live hypothesis", None),  # one extension per parent
    ("beam_step", beam_no_finished, "an end token in the beam", "as finished"),
    ("clipped_ngram_matches", bleu_unclipped, "a word repeated in the hypothesis", "clip each n-gram"),
    ("clipped_ngram_matches", bleu_reference_total, "a longer reference", "not in the reference"),
    # counted from the reference side, unclipped: the mistake the checker once let through (issue 27)
    ("clipped_ngram_matches", bleu_reference_side, "a word repeated in the reference",
     "your loop counts the reference's n-grams"),
    ("clipped_ngram_matches", bleu_sets, "a word repeated in both", "not a set"),
    ("clipped_ngram_matches", bleu_same_position, "another word order", "not only at the same position"),
])
def test_each_mistake_is_caught_where_it_is_made(name, fn, case, hint, assert_caught):
    assert_caught(name, fn, case, hint)


@pytest.mark.parametrize("hypothesis,reference", [
    ("5 de marzo de 2024", "5 de marzo de 2024"),
    ("de de de marzo", "5 de marzo de 2024"),
    ("doscientos veintiuno mil doce", "doscientos veintiún mil doce"),
    ("hace 5 horas", "dentro de 5 horas"),
    ("1 . 2 3 4 , 5 0 €", "1 . 2 3 4 , 5 0 US$"),
    ("mil mil mil", "mil"),
])
def test_clipped_matches_are_sacrebleus_statistics(hypothesis, reference):
    score = sacrebleu.metrics.BLEU(tokenize="none").corpus_score([hypothesis], [[reference]])
    ours = [solution("clipped_ngram_matches")(hypothesis.split(), reference.split(), n) for n in range(1, 5)]
    assert [m for m, _ in ours] == score.counts and [t for _, t in ours] == score.totals


def sacrebleu_statistics(hypothesis, reference):
    """sacrebleu's (counts, totals) for orders 1-4 of one sentence pair (whitespace tokens, no preprocessing)."""
    score = sacrebleu.metrics.BLEU(tokenize="none").corpus_score([" ".join(hypothesis)], [[" ".join(reference)]])
    return list(score.counts), list(score.totals)


# A small vocabulary, so that random sentences repeat words and n-grams in the hypothesis, the reference or both.
WORDS = st.sampled_from(["de", "5", "marzo", "mil", "y", ",", "la"])
SENTENCES = st.lists(WORDS, min_size=1, max_size=12)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(hypothesis=SENTENCES, reference=SENTENCES)
def test_the_reference_solution_gives_sacrebleus_clipped_counts_on_random_sentences(hypothesis, reference):
    ours = [solution("clipped_ngram_matches")(list(hypothesis), list(reference), n) for n in range(1, 5)]
    counts, totals = sacrebleu_statistics(hypothesis, reference)
    assert [m for m, _ in ours] == counts and [t for _, t in ours] == totals


def test_every_registered_mistake_is_a_real_one_it_disagrees_with_sacrebleu_on_random_sentences():
    """Each wrong answer the checker names differs from sacrebleu's counts on some random pairs (it is no correct
    answer in disguise), and the checker's own cases catch it (test_exercises.py runs them with their words)."""
    from course_utils.exercises import get

    rng = np.random.default_rng(0)
    vocabulary = ["de", "5", "marzo", "mil", "y"]
    pairs = [([str(w) for w in rng.choice(vocabulary, size=rng.integers(1, 9))],
              [str(w) for w in rng.choice(vocabulary, size=rng.integers(1, 9))]) for _ in range(300)]
    truth = [sacrebleu_statistics(h, r) for h, r in pairs]
    for mistake in get("clipped_ngram_matches").mistakes:
        disagrees = 0
        for (h, r), (counts, totals) in zip(pairs, truth):
            got = [tuple(mistake.function(h, r, n)) for n in range(1, 5)]
            disagrees += got != list(zip(counts, totals))
        assert disagrees > 0, mistake.function.__name__

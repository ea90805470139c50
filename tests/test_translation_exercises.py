"""Chapter 08's exercises: solutions pass, each typical mistake fails on the case that isolates it with its hint,
and the clipped n-gram counts are sacrebleu's own statistics."""
import numpy as np
import pytest
import sacrebleu

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


@pytest.mark.parametrize("name,fn,case,hint", [
    ("additive_attention_weights", att_no_tanh, "unit scale, no padding", "need a tanh"),
    ("additive_attention_weights", att_no_scale, "a scale vector", "scale_j"),
    ("additive_attention_weights", att_no_mask, "padded keys", "ignore the mask"),
    ("additive_attention_weights", att_softmax_over_queries, "unit scale, no padding", "over the queries"),
    ("beam_step", beam_ignores_history, "accumulated scores", None),
    ("beam_step", beam_ascending, "one live hypothesis", "decreasing order"),
    ("beam_step", beam_per_parent, "one live hypothesis", None),  # one extension per parent
    ("beam_step", beam_no_finished, "an end token in the beam", "as finished"),
    ("clipped_ngram_matches", bleu_unclipped, "a repeated word", "clip each n-gram"),
    ("clipped_ngram_matches", bleu_reference_total, "a longer reference", "not in the reference"),
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

"""Greedy and beam search of course_utils.decoding on tiny models whose every output sequence can be enumerated."""
import itertools

import numpy as np
import pytest

from course_utils import decoding

START, END = 0, 1


class TinyModel:
    """A random autoregressive model: the next-token distribution is a random table indexed by the whole prefix."""

    def __init__(self, vocab: int, max_len: int, seed: int, sharpness: float = 2.0):
        self.vocab, self.max_len = vocab, max_len
        rng = np.random.default_rng(seed)
        logits = sharpness * rng.normal(size=((vocab + 1) ** (max_len + 1), vocab))
        self.table = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))  # log-softmax

    def step(self, tokens, state):
        """state (N, 1): the prefix as a number in base V + 1 (0 = empty); appending a token updates it."""
        codes = state[:, 0] * (self.vocab + 1) + np.asarray(tokens) + 1
        return self.table[codes % len(self.table)], codes[:, None]  # a fixed function of (row, prefix)

    def initial_state(self, batch: int, offset: int = 0):
        return np.arange(offset, offset + batch)[:, None]  # a different "source sentence" per row

    def exhaustive(self, row: int, alpha: float):
        """The best normalised score over every sequence that ends with END or reaches max_len."""
        best = -np.inf
        for length in range(1, self.max_len + 1):
            for tail in itertools.product(range(self.vocab), repeat=length):
                if END in tail[:-1] or (length < self.max_len and tail[-1] != END):
                    continue
                state, tokens, total = self.initial_state(1, row), np.array([START]), 0.0
                for token in tail:
                    log_probs, state = self.step(tokens, state)
                    total += log_probs[0, token]
                    tokens = np.array([token])
                best = max(best, float(decoding.normalised_score(total, length, alpha)))
        return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0])
def test_a_beam_as_wide_as_the_search_space_finds_the_exhaustive_optimum(seed, alpha):
    model = TinyModel(vocab=3, max_len=4, seed=seed)
    space = sum(model.vocab ** n for n in range(1, model.max_len + 1))  # every prefix fits in the beam
    result = decoding.beam_search(model.step, model.initial_state(4), 4, START, END, model.max_len, space, alpha)
    for row in range(4):
        assert result.scores[row] == pytest.approx(model.exhaustive(row, alpha), abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_no_beam_scores_above_the_optimum_and_width_one_is_greedy(seed):
    model = TinyModel(vocab=4, max_len=4, seed=seed, sharpness=1.0)
    rows, alpha = 6, 1.0
    space = sum(model.vocab ** n for n in range(1, model.max_len + 1))
    optimum = decoding.beam_search(model.step, model.initial_state(rows), rows, START, END, model.max_len, space, alpha)
    greedy = decoding.greedy_search(model.step, model.initial_state(rows), rows, START, END, model.max_len, alpha)
    width_one = decoding.beam_search(model.step, model.initial_state(rows), rows, START, END, model.max_len, 1, alpha)
    assert greedy.tokens == width_one.tokens
    np.testing.assert_allclose(greedy.scores, width_one.scores)
    for width in (1, 2, 3, 5, 8):
        beam = decoding.beam_search(model.step, model.initial_state(rows), rows, START, END, model.max_len, width, alpha)
        assert np.all(beam.scores <= optimum.scores + 1e-12)
        np.testing.assert_allclose(beam.scores, decoding.normalised_score(beam.log_probs, beam.lengths, alpha))


def test_a_wider_beam_can_score_below_a_narrower_one():
    """Beam search is not monotone in its width: a counterexample with V = 12 tokens and max_len = 3.

    First token: a (p 0.6) or b (p 0.4). After a, ten tokens share 0.1 each and each then ends for sure:
    greedy gets 0.6 * 0.1 * 1 = 0.06. Width 2 keeps b's two children (0.4 * 0.5 = 0.2 each, above a's 0.06),
    whose continuations are spread thin (0.1 each, ending at max_len), so its best is 0.02 < 0.06.
    """
    V, A, B = 12, 2, 3

    def step(tokens, state):  # state (N, 2): how many tokens were consumed, and the first generated token
        depth, first = state[:, 0], np.where(state[:, 0] == 1, tokens, state[:, 1])
        probs = np.full((len(tokens), V), 1e-12)
        for row in range(len(tokens)):
            if depth[row] == 0:  # after START
                probs[row, [A, B]] = [0.6, 0.4]
            elif depth[row] == 1 and first[row] == A:
                probs[row, 2:] = 0.1
            elif depth[row] == 1 and first[row] == B:
                probs[row, [4, 5]] = 0.5
            elif depth[row] == 2 and first[row] == A:
                probs[row, END] = 1.0
            else:
                probs[row, 2:] = 0.1
        probs /= probs.sum(axis=1, keepdims=True)
        return np.log(probs), np.stack([depth + 1, first], axis=1)

    state = np.zeros((1, 2), dtype=int)
    one = decoding.beam_search(step, state, 1, START, END, 3, 1, alpha=0.0)
    two = decoding.beam_search(step, state, 1, START, END, 3, 2, alpha=0.0)
    assert np.exp(one.log_probs[0]) == pytest.approx(0.06) and np.exp(two.log_probs[0]) == pytest.approx(0.02)
    assert two.scores[0] < one.scores[0]


def test_batching_does_not_change_the_result():
    model = TinyModel(vocab=5, max_len=5, seed=3, sharpness=1.5)
    together = decoding.beam_search(model.step, model.initial_state(5), 5, START, END, 5, 3)
    for row in range(5):
        alone = decoding.beam_search(model.step, model.initial_state(1, row), 1, START, END, 5, 3)
        assert alone.tokens[0] == together.tokens[row] and alone.scores[0] == pytest.approx(together.scores[row])


def test_nested_states_are_reordered():
    state = {"h": np.arange(6).reshape(3, 2), "extra": (np.arange(3), [np.arange(3) * 10])}
    picked = decoding.gather_state(state, np.array([2, 0, 0]))
    assert picked["h"].tolist() == [[4, 5], [0, 1], [0, 1]] and picked["extra"][1][0].tolist() == [20, 0, 0]


def test_top_k_expansions_on_a_known_input():
    parents, tokens, totals = decoding.top_k_expansions([-1.0, -0.5], np.log([[0.5, 0.5], [0.9, 0.1]]), 3)
    assert parents.tolist() == [1, 0, 0] and tokens.tolist() == [0, 0, 1]
    np.testing.assert_allclose(totals, [-0.5 + np.log(0.9), -1 + np.log(0.5), -1 + np.log(0.5)])


@pytest.mark.parametrize("call,message", [
    (lambda: decoding.greedy_search(lambda t, s: (np.zeros((1, 3)), s), np.zeros(1), 1, 0, 1, 0), "max_len must be"),
    (lambda: decoding.beam_search(lambda t, s: (np.zeros((1, 3)), s), np.zeros(1), 1, 0, 1, 3, 0), "beam_width must be"),
    (lambda: decoding.greedy_search(lambda t, s: (np.zeros((2, 3)), s), np.zeros(1), 1, 0, 1, 3), r"shape \(N, V\) = \(1, V\)"),
    (lambda: decoding.greedy_search(lambda t, s: (np.zeros((1, 3)), s), np.zeros(1), 1, 0, 1, 3, alpha=-1), "alpha must be"),
    (lambda: decoding.top_k_expansions(np.zeros(3), np.zeros((2, 4)), 2), "scores must have shape"),
])
def test_bad_inputs_say_what_is_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()

"""Chapter 08: additive attention scores and weights with a mask, one beam-search step, BLEU's clipped precision, and
a model (an encoder-decoder wired through dot-product attention, checked by behaviour)."""
from __future__ import annotations

from collections import Counter

import numpy as np

from course_utils import decoding
from course_utils.from_scratch import attention
from course_utils.exercises.framework import Case, Exercise, Mistake, Variant, register
from course_utils.exercises.models import (
    CompiledLoss, LayerGraph, Learns, LossSpec, ModelCase, OutputShape, PaddingInvariance, ParameterCount,
    model_exercise,
)


# ------------------------------------------------------------------------------------- additive attention

def additive_attention_weights(query, key, scale, key_mask):
    """Bahdanau scores ``e[b, t, s] = sum_j scale_j tanh(query[b, t, j] + key[b, s, j])`` and the weights
    ``softmax_s(e)`` with masked keys (``key_mask`` False) removed. Returns ``(scores, weights)``, both (B, T_q, T_k)."""
    scores = attention.additive_scores(query, key, scale)
    return scores, attention.masked_softmax(scores, key_mask)


def _attention_cases(seed: int = 81, B: int = 2) -> list:
    """The cases; other seeds and batch sizes give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)
    T_q, T_k, d_k = 3, 4, 5
    query, key = rng.normal(size=(B, T_q, d_k)), rng.normal(size=(B, T_k, d_k))
    all_real = np.ones((B, T_k), dtype=bool)
    padded = all_real.copy()
    padded[:, -1] = False  # every sentence is padded at the end, every other one by two positions
    padded[1::2, -2] = False
    return [
        Case("unit scale, no padding", "the scores: tanh of query + key for every pair (t, s), summed over the features",
             {"query": query, "key": key, "scale": np.ones(d_k), "key_mask": all_real}),
        Case("large inputs", "the tanh: with inputs of size 5, tanh saturates and a missing tanh changes every score",
             {"query": 5 * query, "key": 5 * key, "scale": np.ones(d_k), "key_mask": all_real}),
        Case("a scale vector", "the vector v (Keras's `scale`): each feature's tanh is weighted by scale_j",
             {"query": query, "key": key, "scale": rng.normal(size=d_k), "key_mask": all_real}),
        Case("padded keys", "the mask: padded source positions must get weight 0, the others still sum to 1",
             {"query": query, "key": key, "scale": rng.normal(size=d_k), "key_mask": padded}),
    ]


def _attention_without_tanh(query, key, scale, key_mask):
    scores = (np.asarray(query)[:, :, None, :] + np.asarray(key)[:, None, :, :]) @ np.asarray(scale)
    return scores, attention.masked_softmax(scores, key_mask)


def _attention_without_scale(query, key, scale, key_mask):
    scores = np.tanh(np.asarray(query)[:, :, None, :] + np.asarray(key)[:, None, :, :]).sum(-1)
    return scores, attention.masked_softmax(scores, key_mask)


def _attention_without_mask(query, key, scale, key_mask):
    scores = attention.additive_scores(query, key, scale)
    return scores, attention.masked_softmax(scores)


def _attention_softmax_over_queries(query, key, scale, key_mask):
    scores = attention.additive_scores(query, key, scale)
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return scores, shifted / shifted.sum(axis=1, keepdims=True)


ATTENTION_MISTAKES = (
    Variant("the scores need a tanh: e = sum_j scale_j * tanh(q_j + k_j).", _attention_without_tanh),
    Variant("multiply each tanh by scale_j before summing over the features.", _attention_without_scale),
    Variant("the weights ignore the mask: lower the scores of padded keys (e - 1e9) before the softmax.",
            _attention_without_mask),
    Variant("the softmax runs over the queries (axis 1); it must run over the keys (the last axis).",
            _attention_softmax_over_queries),
)


# ------------------------------------------------------------------------------------------- beam step

def beam_step(scores, log_probs, beam_width, end_id):
    """One beam-search step for one sentence.

    ``scores`` (K,) accumulated log-probabilities of the live hypotheses; ``log_probs`` (K, V) next-token
    log-probabilities. Returns ``(parents, tokens, totals, finished)``: the ``beam_width`` best extensions over all
    live hypotheses and tokens, best first (ties: lower ``parent * V + token`` first), with ``finished`` True where
    the token is ``end_id`` (such a hypothesis is set aside, finished, and kept for the final choice).
    """
    parents, tokens, totals = decoding.top_k_expansions(scores, log_probs, beam_width)
    return parents, tokens, totals, tokens == end_id


def _beam_cases(seed: int = 82) -> list:
    """The cases; other seeds give cases of the same design (the property tests use them)."""
    rng = np.random.default_rng(seed)

    def log_softmax(x):
        return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))

    ending = log_softmax(2 * rng.normal(size=(3, 5)))
    return [
        Case("one live hypothesis", "the top-k of the next-token log-probabilities, best first",
             {"scores": np.array([0.0]), "log_probs": log_softmax(rng.normal(size=(1, 6))), "beam_width": 3, "end_id": 5}),
        Case("accumulated scores", "that candidates are ranked by score + log-probability: a hypothesis that was far "
             "behind loses even with a confident next token",
             {"scores": np.array([-0.1, -6.0]), "log_probs": np.log([[0.3, 0.3, 0.2, 0.2], [0.97, 0.01, 0.01, 0.01]]),
              "beam_width": 2, "end_id": 3}),
        Case("one parent takes the whole beam", "that the top-k runs over all (parent, token) pairs together, "
             "not one extension per parent",
             {"scores": np.array([-0.2, -1.5]), "log_probs": np.log([[0.45, 0.45, 0.05, 0.05], [0.25, 0.25, 0.25, 0.25]]),
              "beam_width": 2, "end_id": 3}),
        Case("an end token in the beam", "`finished`: the extension by the end token is among the best and is marked finished",
             {"scores": np.array([-0.5, -0.7, -0.9]), "log_probs": ending, "beam_width": 4,
              "end_id": int(decoding.top_k_expansions([-0.5, -0.7, -0.9], ending, 4)[1][1])}),
    ]


def _beam_ignoring_history(scores, log_probs, beam_width, end_id):
    log_probs = np.asarray(log_probs, dtype=float)
    parents, tokens, _ = decoding.top_k_expansions(np.zeros(len(log_probs)), log_probs, beam_width)
    return parents, tokens, np.asarray(scores, dtype=float)[parents] + log_probs[parents, tokens], tokens == end_id


def _beam_ascending(scores, log_probs, beam_width, end_id):
    return tuple(np.asarray(v)[::-1] for v in beam_step(scores, log_probs, beam_width, end_id))


def _beam_without_finished(scores, log_probs, beam_width, end_id):
    parents, tokens, totals, _ = beam_step(scores, log_probs, beam_width, end_id)
    return parents, tokens, totals, np.zeros(len(tokens), dtype=bool)


def _beam_one_per_parent(scores, log_probs, beam_width, end_id):
    totals = np.asarray(scores, dtype=float)[:, None] + np.asarray(log_probs, dtype=float)
    tokens = totals.argmax(axis=1)
    parents = np.argsort(-totals.max(axis=1), kind="stable")[:beam_width]
    return parents, tokens[parents], totals[parents, tokens[parents]], tokens[parents] == end_id


BEAM_MISTAKES = (
    Variant("rank by the accumulated score scores[parent] + log_probs[parent, token], not by log_probs alone.",
            _beam_ignoring_history),
    Variant("the best extension comes first: sort in decreasing order of the total score.", _beam_ascending),
    Variant("mark the extensions by the end token as finished (tokens == end_id).", _beam_without_finished),
)


# --------------------------------------------------------------------------------- clipped n-gram precision

def clipped_ngram_matches(hypothesis, reference, n):
    """BLEU's modified precision for one sentence and one order ``n``: returns ``(matches, total)``.

    ``hypothesis`` and ``reference`` are lists of tokens. ``total`` is the number of n-grams of the hypothesis;
    ``matches`` counts each hypothesis n-gram at most as often as it occurs in the reference (the clipping), so
    "the the the" against "the cat" matches 1 unigram of 3. These are sacrebleu's ``counts[n-1]`` and ``totals[n-1]``.
    """
    hyp = Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1))
    ref = Counter(tuple(reference[i:i + n]) for i in range(len(reference) - n + 1))
    return sum(min(count, ref[gram]) for gram, count in hyp.items()), sum(hyp.values())


def _bleu_cases(seed: int = 0) -> list:
    """Fixed sentences (the seed is not used: the design has no random part). Each case changes one thing, and the
    sentences of a case have equal lengths unless the case is about the total, so each typical mistake fails on the
    case that isolates it (the order matters: a mistake is reported on the first case where it differs)."""
    return [
        Case("identical sentences", "the counting: every n-gram of the hypothesis matches (no word repeats here)",
             {"hypothesis": "dentro de 5 horas".split(), "reference": "dentro de 5 horas".split(), "n": 1}),
        Case("another word order", "that an n-gram matches wherever it occurs in the reference, not only at the "
             "same position", {"hypothesis": "el lunes 5 de marzo".split(), "reference": "5 de marzo , lunes".split(),
                               "n": 1}),
        Case("a word repeated in both", "that n-grams are counted as tokens, every occurrence: 'de' twice in both "
             "sentences matches twice (a set of n-grams counts it once)",
             {"hypothesis": "5 de mayo de 2024".split(), "reference": "5 de marzo de 2024".split(), "n": 1}),
        Case("a word repeated in the hypothesis", "the clipping: 'de' three times in the hypothesis but twice in the "
             "reference matches twice", {"hypothesis": "de de de marzo".split(),
                                         "reference": "de marzo de 2024".split(), "n": 1}),
        Case("a word repeated in the reference", "that the matches are the hypothesis's n-grams: 'de' once in the "
             "hypothesis but twice in the reference matches once",
             {"hypothesis": "5 de marzo del 2024".split(), "reference": "5 de marzo de 2024".split(), "n": 1}),
        Case("bigrams", "the n-grams: consecutive pairs of tokens, counted in the hypothesis",
             {"hypothesis": "5 de mayo de 2024".split(), "reference": "5 de marzo de 2024".split(), "n": 2}),
        Case("a longer reference", "the denominator: the number of n-grams of the hypothesis, not of the reference",
             {"hypothesis": "tres mil".split(), "reference": "tres mil doscientos cuarenta y uno".split(), "n": 1}),
        Case("shorter than n", "a hypothesis with fewer than n tokens has no n-grams: (0, 0)",
             {"hypothesis": ["hace"], "reference": "hace 5 horas".split(), "n": 2}),
    ]


def _ngrams(tokens, n) -> list:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def _bleu_unclipped(hypothesis, reference, n):
    """Mistake: every hypothesis n-gram found anywhere in the reference matches, however often it repeats."""
    grams, in_reference = _ngrams(hypothesis, n), set(_ngrams(reference, n))
    return sum(gram in in_reference for gram in grams), len(grams)


def _bleu_reference_side(hypothesis, reference, n):
    """Mistake: the loop runs over the reference's n-grams, counting those found anywhere in the hypothesis (no
    clipping): a reference n-gram repeated more often than in the hypothesis matches too often."""
    in_hypothesis = set(_ngrams(hypothesis, n))
    return sum(gram in in_hypothesis for gram in _ngrams(reference, n)), len(_ngrams(hypothesis, n))


def _bleu_types(hypothesis, reference, n):
    """Mistake: sets of n-grams (types) instead of counts: a repeated n-gram counts once, in matches and total."""
    hyp = set(_ngrams(hypothesis, n))
    return len(hyp & set(_ngrams(reference, n))), len(hyp)


def _bleu_type_matches(hypothesis, reference, n):
    """Mistake: the matches from sets of n-grams (types), the total from the tokens."""
    return len(set(_ngrams(hypothesis, n)) & set(_ngrams(reference, n))), len(_ngrams(hypothesis, n))


def _bleu_same_position(hypothesis, reference, n):
    """Mistake: an n-gram matches only the reference's n-gram at the same position."""
    grams = _ngrams(hypothesis, n)
    return sum(h == r for h, r in zip(grams, _ngrams(reference, n))), len(grams)


def _bleu_reference_total(hypothesis, reference, n):
    """Mistake: the total is the number of the reference's n-grams (a recall, not a precision)."""
    return clipped_ngram_matches(hypothesis, reference, n)[0], max(len(reference) - n + 1, 0)


def _bleu_one_short(hypothesis, reference, n):
    """Mistake: range(len(tokens) - n) leaves out the last n-gram of each sentence."""
    hyp = Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n))
    ref = Counter(tuple(reference[i:i + n]) for i in range(len(reference) - n))
    return sum(min(count, ref[gram]) for gram, count in hyp.items()), sum(hyp.values())


_TYPES_HINT = ("count every occurrence of an n-gram (a Counter, not a set): a repeated n-gram matches as often as it "
               "occurs in the hypothesis, at most as often as in the reference.")
BLEU_MISTAKES = (
    Variant("clip each n-gram's count by how often it occurs in the reference.", _bleu_unclipped),
    Variant("count the hypothesis's n-grams, each clipped by the reference: min(hypothesis count, reference count) per "
            "n-gram; your loop counts the reference's n-grams found in the hypothesis.", _bleu_reference_side),
    Variant(_TYPES_HINT, _bleu_types),
    Variant(_TYPES_HINT, _bleu_type_matches),
    Variant("an n-gram matches wherever it occurs in the reference, not only at the same position: compare counts "
            "of n-grams, not the two lists position by position.", _bleu_same_position),
    Variant("the total is the number of n-grams in the hypothesis (precision), not in the reference.",
            _bleu_reference_total),
    Variant("a sentence of L tokens has L - n + 1 n-grams: range(len(tokens) - n + 1).", _bleu_one_short),
)
BLEU_WRONG_ANSWERS = [
    Mistake(_bleu_unclipped, "a word repeated in the hypothesis", "clip each n-gram"),
    Mistake(_bleu_reference_side, "a word repeated in the reference", "your loop counts the reference's n-grams"),
    Mistake(_bleu_types, "a word repeated in both", "not a set"),
    Mistake(_bleu_type_matches, "a word repeated in both", "not a set"),
    Mistake(_bleu_same_position, "another word order", "not only at the same position"),
    Mistake(_bleu_reference_total, "a longer reference", "not in the reference"),
    Mistake(_bleu_one_short, "identical sentences", "L - n + 1"),
]


register(Exercise("additive_attention_weights", "Additive attention: scores and masked weights",
                  additive_attention_weights, _attention_cases, variants=ATTENTION_MISTAKES,
                  output_names=("scores", "weights")))
register(Exercise("beam_step", "One beam-search step", beam_step, _beam_cases, variants=BEAM_MISTAKES,
                  output_names=("parents", "tokens", "totals", "finished"),
                  mistakes=[Mistake(_beam_one_per_parent, "one live hypothesis", "parents")]))
register(Exercise("clipped_ngram_matches", "BLEU's clipped n-gram precision", clipped_ngram_matches, _bleu_cases,
                  variants=BLEU_MISTAKES, output_names=("matches", "total"), mistakes=BLEU_WRONG_ANSWERS))


# ------------------------------------------------------------------ a model: encoder-decoder with dot-product attention

def luong_translator(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
    """An encoder-decoder with dot-product (Luong) attention, for teacher forcing: inputs ``[source, target_in]``,
    token ids (0 = padding) of shapes (B, T_x) and (B, T_y); output the next-token logits, (B, T_y, target_vocab_size).

    The encoder (a masked Embedding and a GRU) returns its states and its final state; the decoder (its own masked
    Embedding and a GRU) starts from that final state; ``keras.layers.Attention`` takes the decoder's states as the
    query and the encoder's states as the value (and key), with both masks, so padded source positions get weight 0;
    a Dense layer reads each decoder state and its context side by side. Compiled with Adam(learning_rate) and
    sparse categorical cross-entropy on the logits.
    """
    import keras
    from keras import layers, ops

    source = keras.Input((None,), dtype="int32", name="source")
    target_in = keras.Input((None,), dtype="int32", name="target_in")
    encoder_states, encoder_final = layers.GRU(units, return_sequences=True, return_state=True)(
        layers.Embedding(source_vocab_size, embedding_dim, mask_zero=True)(source))
    decoder_states = layers.GRU(units, return_sequences=True)(
        layers.Embedding(target_vocab_size, embedding_dim, mask_zero=True)(target_in), initial_state=encoder_final)
    context = layers.Attention()([decoder_states, encoder_states],  # [query, value]: one context per target step
                                 mask=[ops.not_equal(target_in, 0), ops.not_equal(source, 0)])
    logits = layers.Dense(target_vocab_size)(layers.Concatenate()([decoder_states, context]))
    model = keras.Model([source, target_in], logits)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _sparse_cross_entropy(keras, y, logits, from_logits=True):
    return np.mean(keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=from_logits)))


SPARSE_CE = LossSpec("sparse categorical cross-entropy of its logits", _sparse_cross_entropy,
                     "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)")
TRANSLATOR_WRONG_LOSSES = (
    LossSpec("cross-entropy of the logits read as probabilities",
             lambda keras, y, logits: _sparse_cross_entropy(keras, y, logits, from_logits=False),
             "the Dense layer gives logits (no softmax): use SparseCategoricalCrossentropy(from_logits=True)."),
)
SWAPPED_HINT = ("if the error is about Concatenate's shapes: the query of keras.layers.Attention is the decoder's "
                "states and the value the encoder's, Attention()([decoder_states, encoder_states]), which gives one "
                "context vector per target step, the length of the decoder's states.")
SOURCE_MASK_HINT = ("the source's padding reaches the output: create the source Embedding with mask_zero=True, so "
                    "that the encoder skips padded steps and the attention gives padded source positions weight 0 "
                    "(the mask reaches keras.layers.Attention with the encoder's states, or pass it: mask=[target "
                    "mask, source mask]).")


def _copy_batch(rng, batch_size, steps, vocab_size):
    """A copy task: the target is the source (ids 3..vocab_size-1); 1 starts the decoder input, 2 ends the target."""
    tokens = rng.integers(3, vocab_size, size=(batch_size, steps)).astype("int32")
    start, end = np.ones((batch_size, 1), "int32"), np.full((batch_size, 1), 2, "int32")
    return [tokens, np.concatenate([start, tokens], axis=1)], np.concatenate([tokens, end], axis=1)


def _translator_cases(seed: int = 0) -> list:
    """The cases; another seed gives other batches and other initial weights of the same design."""
    from course_utils.exercises.warmup import _token_batch

    rng = np.random.default_rng(seed)
    small = {"source_vocab_size": 10, "target_vocab_size": 12, "embedding_dim": 3, "units": 4, "learning_rate": 0.05}
    other = {"source_vocab_size": 15, "target_vocab_size": 9, "embedding_dim": 2, "units": 5, "learning_rate": 0.05}
    copy = {"source_vocab_size": 8, "target_vocab_size": 8, "embedding_dim": 4, "units": 8, "learning_rate": 0.05}
    # sources of 5 steps (padded), decoder inputs of 4: a query/value mix-up cannot go unnoticed
    x_small = [_token_batch(rng, 3, 5, 10), _token_batch(rng, 3, 4, 12)]
    x_other = [_token_batch(rng, 2, 6, 15), _token_batch(rng, 2, 3, 9)]
    x_copy, y_copy = _copy_batch(rng, 8, 5, 8)
    return [
        ModelCase("the layers", "the layers: two masked Embeddings, two GRUs, then Attention (dot-product), "
                  "Concatenate and Dense", small, checks=(LayerGraph({"Dense": ("units", "activation")}),), seed=seed),
        ModelCase("shapes", "the wiring: the query is the decoder's states (one context vector per target step) and "
                  "the value the encoder's states; the output is (B, T_y, target_vocab_size) logits",
                  small, checks=(OutputShape(x_small, error_hint=SWAPPED_HINT), ParameterCount(x_small)), seed=seed),
        ModelCase("other sizes", "that the sizes come from the arguments (the Dense layer reads 2·units values: the "
                  "decoder state and its context)", other, checks=(ParameterCount(x_other), OutputShape(x_other)),
                  seed=seed),
        ModelCase("source padding appended", "the source mask: three more 0 ids after every source sentence leave "
                  "every output unchanged (the encoder and the attention skip them)", small,
                  checks=(PaddingInvariance(x_small, extra=3, hint=SOURCE_MASK_HINT, input=0),), seed=seed),
        ModelCase("the loss", "the compile step: the reported loss is the sparse categorical cross-entropy of the "
                  "logits", copy, checks=(CompiledLoss(x_copy, y_copy, SPARSE_CE, wrong=TRANSLATOR_WRONG_LOSSES),),
                  seed=seed),
        ModelCase("learns to copy", "that the compiled model learns: 15 steps on 8 sentences of a copy task lower the "
                  "loss by a factor 1.5", copy, checks=(Learns(x_copy, y_copy, steps=15, factor=1.5),), seed=seed),
    ]


def _translator_with(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate, source_mask=True,
                     attention="dot", swapped=False, from_logits=True):
    """The reference model with one thing changed (the typical mistakes below)."""
    import keras
    from keras import layers

    source, target_in = keras.Input((None,), dtype="int32"), keras.Input((None,), dtype="int32")
    encoder_states, encoder_final = layers.GRU(units, return_sequences=True, return_state=True)(
        layers.Embedding(source_vocab_size, embedding_dim, mask_zero=source_mask)(source))
    decoder_states = layers.GRU(units, return_sequences=True)(
        layers.Embedding(target_vocab_size, embedding_dim, mask_zero=True)(target_in), initial_state=encoder_final)
    if attention is None:
        features = decoder_states
    else:
        layer = layers.Attention() if attention == "dot" else layers.AdditiveAttention()
        pair = [encoder_states, decoder_states] if swapped else [decoder_states, encoder_states]
        features = layers.Concatenate()([decoder_states, layer(pair)])
    model = keras.Model([source, target_in], layers.Dense(target_vocab_size)(features))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits))
    return model


def _translator_without_attention(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
    """Mistake: no attention: the Dense layer reads the decoder's states only (the chapter's first model)."""
    return _translator_with(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate, attention=None)


def _translator_additive(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
    """Mistake: AdditiveAttention (the chapter's Bahdanau scores) where the exercise asks for dot-product scores."""
    return _translator_with(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate,
                            attention="additive")


def _translator_swapped(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
    """Mistake: query and value swapped: one context vector per *source* step."""
    return _translator_with(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate, swapped=True)


def _translator_fixed_sizes(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
    """Mistake: the sizes of the first case written as numbers, the arguments ignored."""
    return _translator_with(10, 12, 3, 4, learning_rate)


def _translator_source_unmasked(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
    """Mistake: the source Embedding without mask_zero=True: the encoder reads the padding and attends to it."""
    return _translator_with(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate,
                            source_mask=False)


def _translator_probabilities(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
    """Mistake: the loss reads the logits as probabilities (from_logits=False, the default)."""
    return _translator_with(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate,
                            from_logits=False)


def _translator_frozen(source_vocab_size, target_vocab_size, embedding_dim, units, learning_rate):
    """Mistake: compiled with a learning rate of 0: the weights never change."""
    return _translator_with(source_vocab_size, target_vocab_size, embedding_dim, units, 0.0)


register(model_exercise(
    "luong_translator", "An encoder-decoder wired through dot-product attention (keras.layers.Attention)",
    luong_translator, _translator_cases,
    mistakes=[
        Mistake(_translator_without_attention, "the layers", "layer 5 is a Dense where the model needs an Attention"),
        Mistake(_translator_additive, "the layers", "an AdditiveAttention where the model needs an Attention"),
        Mistake(_translator_swapped, "shapes", "Attention()([decoder_states, encoder_states])"),
        Mistake(_translator_fixed_sizes, "other sizes", "its Embedding layer has 36 parameters, expected 18"),
        Mistake(_translator_source_unmasked, "source padding appended", "source Embedding with mask_zero=True"),
        Mistake(_translator_probabilities, "the loss", "from_logits=True"),
        Mistake(_translator_frozen, "learns to copy", "learning rate is 0"),
    ],
))

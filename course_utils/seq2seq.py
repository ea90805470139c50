"""Chapter 08's phrase translation, packaged for chapter 10's comparison of a GRU with attention and a Transformer.

* :func:`tokenize` / :func:`detokenize`: chapter 08's tokenisation, imported from :mod:`course_utils.translation`: every digit and every other symbol is
  a token, runs of letters stay whole, and a token written right after the previous one (no space) carries the
  prefix ``##``, so detokenising gives the exact string back.
* :func:`vectorise`: ``TextVectorization`` id arrays for a :class:`course_utils.datasets.translation.TranslationData`
  (one vocabulary per language fitted on the training split, ``[start]`` / ``[end]`` around each target, id 0
  padding, id 1 ``[UNK]``), as chapter 08 builds them, optionally on the first ``train_pairs`` / ``test_pairs``.
* :func:`gru_attention_translator`: chapter 08's GRU encoder-decoder with additive (Bahdanau) attention.
* :func:`greedy_translate`: greedy decoding for any model ``[source, target_in] -> logits`` by re-running it on
  the growing output prefix (the same search for every architecture); :func:`exact_match`.

Keras is imported when a function is called, never when :mod:`course_utils` is.
"""
from __future__ import annotations

import numpy as np

from course_utils.translation import GLUE, TOKEN, detokenize, tokenize  # chapter 08's tokenisation, written once

START, END = "[start]", "[end]"


def vectorise(data, train_pairs: int | None = None, test_pairs: int | None = None) -> dict:
    """Id arrays for ``data`` (a ``TranslationData``): ``arrays["train"]`` and ``arrays["test"]`` are
    ``(source (N, T_x), target_in (N, T_y), target_out (N, T_y))``, the target shifted by one step; the first
    ``train_pairs`` training and ``test_pairs`` test pairs (default all). Also returns the vocabularies' sizes, the
    target vocabulary, ``start_id``, ``end_id``, ``max_len`` (most target tokens plus the end token) and the
    references (the Spanish strings of the test pairs used)."""
    from keras import layers

    train, test = data.train.pairs[:train_pairs], data.test.pairs[:test_pairs]

    def source_texts(pairs):
        return [" ".join(tokenize(en)) for en, _ in pairs]

    def target_texts(pairs):
        return [" ".join([START, *tokenize(es), END]) for _, es in pairs]

    every = data.train.pairs + data.val.pairs + data.test.pairs
    source_len = max(len(tokenize(en)) for en, _ in every)
    target_len = max(len(tokenize(es)) for _, es in every) + 2
    source_vectorizer = layers.TextVectorization(standardize=None, split="whitespace", output_sequence_length=source_len)
    target_vectorizer = layers.TextVectorization(standardize=None, split="whitespace", output_sequence_length=target_len)
    source_vectorizer.adapt(source_texts(train))
    target_vectorizer.adapt(target_texts(train))
    arrays = {}
    for name, pairs in (("train", train), ("test", test)):
        target = np.asarray(target_vectorizer(target_texts(pairs)))
        arrays[name] = (np.asarray(source_vectorizer(source_texts(pairs))), target[:, :-1], target[:, 1:])
    vocabulary = [str(token) for token in target_vectorizer.get_vocabulary()]
    return dict(arrays=arrays, source_vocab_size=source_vectorizer.vocabulary_size(),
                target_vocab_size=len(vocabulary), target_vocabulary=vocabulary, start_id=vocabulary.index(START),
                end_id=vocabulary.index(END), max_len=target_len - 1, references=[es for _, es in test])


def gru_attention_translator(source_vocab_size: int, target_vocab_size: int, embedding: int = 32, units: int = 64):
    """Chapter 08's translator with attention: masked embeddings, a GRU encoder (its states and final state), a GRU
    decoder started from the final state, additive attention from each decoder state (projected query) over the
    encoder states (projected keys, padded source masked), the state and its context concatenated into a Dense over
    the target vocabulary. Inputs ``source`` and ``target_in`` (int ids, 0 = padding); output logits."""
    import keras
    from keras import layers, ops

    source = keras.Input((None,), dtype="int32", name="source")
    target_in = keras.Input((None,), dtype="int32", name="target_in")
    embedded = layers.Embedding(source_vocab_size, embedding, mask_zero=True, name="source_embedding")(source)
    encoder_states, encoder_final = layers.GRU(units, return_sequences=True, return_state=True, name="encoder")(embedded)
    embedded_target = layers.Embedding(target_vocab_size, embedding, mask_zero=True, name="target_embedding")(target_in)
    decoder_states, _ = layers.GRU(units, return_sequences=True, return_state=True, name="decoder")(
        embedded_target, initial_state=encoder_final)
    query = layers.Dense(units, use_bias=False, name="query_projection")(decoder_states)
    key = layers.Dense(units, use_bias=False, name="key_projection")(encoder_states)
    context = layers.AdditiveAttention(name="attention")(
        [query, encoder_states, key], mask=[ops.not_equal(target_in, 0), ops.not_equal(source, 0)])
    decoder_states = layers.Concatenate(name="state_and_context")([decoder_states, context])
    logits = layers.Dense(target_vocab_size, name="next_token")(decoder_states)
    return keras.Model([source, target_in], logits, name="gru_attention")


def greedy_translate(model, source_ids, start_id: int, end_id: int, max_len: int) -> list:
    """Greedy decoding: from ``[start]``, append the most probable next token until ``[end]`` or ``max_len``
    tokens, re-running ``model([source, prefix])`` at every step. The prefix is padded with 0 to ``max_len`` so every
    call has the same shape (one traced function); a causal decoder's output at step ``t`` does not depend on the
    padding after it. Returns a list of token-id lists (without start and end tokens), one per source row."""
    source = np.asarray(source_ids)
    prefix = np.zeros((len(source), max_len), dtype="int32")
    prefix[:, 0] = start_id
    done = np.zeros(len(source), dtype=bool)
    decoded = np.zeros((len(source), max_len), dtype="int32")
    for t in range(max_len):
        logits = np.asarray(model.predict_on_batch([source, prefix]))[:, t]
        token = np.where(done, 0, logits.argmax(-1)).astype("int32")
        decoded[:, t] = token
        if t + 1 < max_len:
            prefix[:, t + 1] = token
        done |= token == end_id
        if done.all():
            break
    outputs = []
    for row in decoded.tolist():
        outputs.append([t for t in (row[:row.index(end_id)] if end_id in row else row) if t != 0])
    return outputs


def exact_match(model, pipe: dict) -> float:
    """Share of the test pairs in ``pipe`` (from :func:`vectorise`) whose greedy translation, detokenised, equals
    the reference exactly."""
    source = pipe["arrays"]["test"][0]
    decoded = greedy_translate(model, source, pipe["start_id"], pipe["end_id"], pipe["max_len"])
    vocabulary = pipe["target_vocabulary"]
    hypotheses = [detokenize([vocabulary[i] for i in tokens]) for tokens in decoded]
    return float(np.mean([h == r for h, r in zip(hypotheses, pipe["references"])]))

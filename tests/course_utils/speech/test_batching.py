"""Tests of course_utils.speech.batching: padded batches whose length is a multiple of the total stride, and the
padding mask of the acoustic model (an utterance gets the same outputs alone or in any padded batch)."""
import numpy as np
import pytest

from course_utils.speech import batching as B
from course_utils.speech import ctc
from course_utils.speech import model as M


def test_pad_frames_pads_to_a_multiple_of_the_total_stride():
    feats = [np.ones((n, 3), np.float32) for n in (5, 9, 2)]
    x, lengths = B.pad_frames(feats)
    assert x.shape == (3, 12, 3) and lengths.tolist() == [5, 9, 2]
    assert (x[0, 5:] == 0).all() and (x[1, :9] == 1).all()
    assert B.pad_frames([np.ones((8, 3), np.float32)])[0].shape == (1, 8, 3)
    assert B.pad_frames(feats, strides=(3,))[0].shape[1] == 9
    assert B.total_stride() == 4 and B.total_stride((2, 3)) == 6


def test_the_mask_layer_marks_each_utterances_output_frames():
    layer = B._frame_mask_layer((2, 2))
    mask = np.asarray(layer(np.array([16, 5, 1]), np.zeros((3, 4, 7), np.float32)))
    assert mask.tolist() == [[True] * 4, [True, True, False, False], [True, False, False, False]]
    assert (mask.sum(axis=1) == M.output_lengths(np.array([16, 5, 1]))).all()


@pytest.fixture(scope="module")
def models():
    import keras

    keras.utils.set_random_seed(0)
    masked = M.build_acoustic_model(n_mels=6, filters=5, units=4, mask_padding=True)
    plain = M.build_acoustic_model(n_mels=6, filters=5, units=4)
    plain.set_weights(masked.get_weights())
    return masked, plain


def test_a_masked_model_gives_an_utterance_the_same_outputs_alone_or_in_a_batch(models):
    import keras

    masked, plain = models
    rng = np.random.default_rng(1)
    feats = [rng.normal(size=(n, 6)).astype(np.float32) for n in (13, 30, 7, 22)]
    for model, invariant in ((masked, True), (plain, False)):
        x, lengths = B.pad_frames(feats)
        batch = keras.ops.convert_to_numpy(keras.ops.softmax(model(M.model_inputs(model, x, lengths))))
        changes = [np.abs(batch[i, :len(p)] - p).max()
                   for i, p in enumerate(M.frame_posteriors(model, f) for f in feats)]
        if invariant:
            assert max(changes) < 1e-5
        else:  # without the mask the backward GRU reads the padding first: the short utterances change
            assert max(changes) > 1e-4
    assert M.masks_padding(masked) and not M.masks_padding(plain)


def test_decoding_is_the_same_in_any_batch_order_with_the_mask(models):
    masked, _ = models
    rng = np.random.default_rng(2)
    feats = [rng.normal(size=(n, 6)).astype(np.float32) for n in rng.integers(3, 40, size=9)]
    assert M.transcribe(masked, feats, batch_size=4) == M.transcribe(masked, feats, batch_size=4, bucketing=False)
    assert M.transcribe(masked, feats, batch_size=4) == [M.transcribe(masked, [f])[0] for f in feats]


def test_the_model_checks_its_flag():
    with pytest.raises(TypeError):
        M.build_acoustic_model(n_mels=4, mask_padding="yes")
    assert ctc.N_CLASSES == 11

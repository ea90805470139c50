"""Chapter 14's layer exercise, ``masked_conv_pool``: the notebook's stub is "not attempted", correct layers written
in other ways pass (the mask zeroed with ``where``, the pooled mask as "any frame of the window is real", the
convolution built in ``build``), and each typical mistake is named by its own hint."""
import numpy as np
import pytest

from course_utils.exercises import FAILED, NOT_ATTEMPTED, PASSED, evaluate, get, speakers


def _stub():
    import keras

    class MaskedConvPool(keras.layers.Layer):  # the notebook's stub, as the learner finds it
        def __init__(self, filters, kernel_size, pool=2, **kwargs):
            super().__init__(**kwargs)
            self.filters, self.kernel_size, self.pool = filters, kernel_size, pool
            self.conv = keras.layers.Conv1D(filters, kernel_size, padding="same", activation="relu")
            self.pooling = keras.layers.MaxPooling1D(pool, padding="same")
            self.conv.supports_masking = self.pooling.supports_masking = True

        def build(self, input_shape):
            self.conv.build(input_shape)

        def call(self, x, mask=None):
            raise NotImplementedError

        def compute_mask(self, x, mask=None):
            raise NotImplementedError

    return MaskedConvPool


def _filled(where=False, any_real=False, compute_mask=True, relu=True, valid=False):
    """The stub filled in by a learner, in one of several ways (some correct, some not)."""
    import keras

    class Filled(_stub()):
        def __init__(self, filters, kernel_size, pool=2, **kwargs):
            super().__init__(filters, kernel_size, pool, **kwargs)
            if not relu:
                self.conv = keras.layers.Conv1D(filters, kernel_size, padding="same")
            if valid:
                self.pooling = keras.layers.MaxPooling1D(pool)

        def call(self, x, mask=None):
            y = self.conv(x)
            if mask is not None:
                y = keras.ops.where(mask[:, :, None], y, 0.0) if where else y * keras.ops.cast(mask, y.dtype)[:, :, None]
            return self.pooling(y)

        def compute_mask(self, x, mask=None):
            if mask is None:
                return None
            if any_real:  # a pooled frame is real when any frame of its window is
                pooled = keras.layers.MaxPooling1D(self.pool, padding="same")(keras.ops.cast(mask, "float32")[:, :, None])
                return pooled[:, :, 0] > 0.5
            return mask[:, :: self.pool]

    if not compute_mask:
        Filled.compute_mask = keras.layers.Layer.compute_mask  # not written: Keras then drops the mask
    return Filled


def test_the_notebooks_stub_is_not_attempted():
    assert evaluate("masked_conv_pool", _stub()).status == NOT_ATTEMPTED


@pytest.mark.parametrize("kwargs", [{}, {"where": True}, {"any_real": True}, {"where": True, "any_real": True}],
                         ids=["multiply", "where", "any frame real", "where and any"])
def test_correct_layers_written_other_ways_pass(kwargs):
    report = evaluate("masked_conv_pool", _filled(**kwargs))
    assert report.status == PASSED, report.message


def test_a_layer_that_builds_its_convolution_in_build_passes():
    import keras

    class Own(keras.layers.Layer):
        def __init__(self, filters, kernel_size, pool=2, **kwargs):
            super().__init__(**kwargs)
            self.filters, self.kernel_size, self.pool = filters, kernel_size, pool

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(self.kernel_size, input_shape[-1], self.filters))
            self.bias = self.add_weight(shape=(self.filters,), initializer="zeros")

        def call(self, x, mask=None):
            y = keras.ops.relu(keras.ops.conv(x, self.kernel, padding="same") + self.bias)
            if mask is not None:
                y = y * keras.ops.expand_dims(keras.ops.cast(mask, y.dtype), -1)
            return keras.ops.max_pool(y, self.pool, self.pool, padding="same")

        def compute_mask(self, x, mask=None):
            return None if mask is None else mask[:, :: self.pool]

    report = evaluate("masked_conv_pool", Own)
    assert report.status == PASSED, report.message


@pytest.mark.filterwarnings("ignore:Layer .* does not support masking")  # the mistake itself: Keras warns of it
@pytest.mark.parametrize("layer, case, hint", [
    (lambda: _filled(compute_mask=False), "padding, even lengths", speakers.NO_MASK_HINT),
    (lambda: _filled(relu=False), "no padding", speakers.LAYERS_HINT),
    (lambda: _filled(valid=True), "no padding", speakers.LAYERS_HINT),
], ids=["compute_mask not written", "no relu", "pooling without padding='same'"])
def test_a_learners_mistakes_get_the_right_hint(assert_caught, layer, case, hint):
    assert_caught("masked_conv_pool", layer(), case, hint)


def test_each_registered_mistake_gets_a_hint_of_its_own():
    hints = {}
    for mistake in get("masked_conv_pool").mistakes:
        report = evaluate("masked_conv_pool", mistake.function)
        assert report.status == FAILED and report.details["hint"], report.message
        hints.setdefault(report.details["hint"], []).append(mistake.function.__doc__)
    assert len(hints) == 5, hints  # zeroed after pooling and not zeroed at all share the hint (both: zero before pooling)


def test_an_answer_that_is_not_a_layer_is_told_so():
    report = evaluate("masked_conv_pool", lambda filters, kernel_size, pool: np.zeros(3))
    assert report.status == FAILED and "expected a keras.layers.Layer" in report.message

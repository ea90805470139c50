"""The behaviour checks of model-building exercises (re-exported by :mod:`course_utils.exercises.models`).

Each check is called as ``check(model, context)`` and returns ``None`` or a :class:`Problem`: what is wrong, with
the numbers, and a hint naming the likely cause. Expected values come from the reference model of the same case
(``context.reference()``), so a check states no numbers of its own. Keras is imported only when a check runs.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np

from course_utils.exercises._calling import copy_args


class Problem(NamedTuple):
    """A failed behaviour check: what is wrong (with the numbers) and a hint naming the likely cause (or None)."""

    message: str
    hint: str | None = None


@dataclass
class Context:
    """What a check may need besides the learner's model: the case, and the reference model built alike."""

    exercise: object  # the Exercise
    case: object  # the ModelCase: its kwargs and seed
    _reference: object = field(default=None, repr=False)

    def reference(self):
        """The reference solution's model for this case's arguments, built with the case's seed (once)."""
        if self._reference is None:
            import keras

            keras.utils.set_random_seed(self.case.seed)
            self._reference = self.exercise.solution(**copy_args(self.case.kwargs))
        return self._reference


def _keras():
    from course_utils.config import import_tensorflow

    import_tensorflow()  # quietly: no C++ start-up notices in the learner's notebook
    import keras

    return keras


class KerasJudge:
    """The part every Keras-exercise judge shares (model and callback kinds): Keras is imported before the case
    clock starts, and the notebook's own ``random`` and NumPy streams go on unchanged after a case. Subclasses
    write ``_judge(exercise, fn, args, kwargs, case)``."""

    def prepare(self) -> None:
        _keras()

    def __call__(self, exercise, fn, args, kwargs, case):
        saved = random.getstate(), np.random.get_state()
        try:
            return self._judge(exercise, fn, args, kwargs, case)
        finally:
            random.setstate(saved[0])
            np.random.set_state(saved[1])


def _layers(model) -> list:
    keras = _keras()
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _numpy(value) -> np.ndarray:
    return np.asarray(_keras().ops.convert_to_numpy(value))


def _built(model, x) -> None:
    """Build a model created without ``keras.Input`` (its weights exist only after a first call)."""
    if not model.built and x is not None:
        model(x)


def _a(word: str) -> str:
    """``word`` with its article: an LSTM, a GRU, an Embedding, a Dense."""
    acronym = word[:2].isupper()
    return f"{'an' if word[:1] in ('AEFHILMNORSX' if acronym else 'AEIOUaeiou') else 'a'} {word}"


def _kind(layer) -> str:
    """The layer's type, with the wrapped layer's for a wrapper: ``Bidirectional(GRU)``, ``TimeDistributed(Dense)``."""
    inner = getattr(layer, "forward_layer", None) or getattr(layer, "layer", None)
    name = type(layer).__name__
    return f"{name}({type(inner).__name__})" if isinstance(inner, _keras().layers.Layer) else name


def _shape(x) -> str:
    """The shape of an input batch, or of each input of a model with several."""
    if isinstance(x, (list, tuple)):
        return " and ".join(str(tuple(np.shape(item))) for item in x)
    return str(tuple(np.shape(x)))


def _first_line(error) -> str:
    """The error's first line, without the terminal colour codes Keras puts in some messages."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()
    return text.splitlines()[0] if text else ""


def _attribute(layer, name):
    value = getattr(layer, name, None)
    return getattr(value, "__name__", value)  # activations are functions: compare their names


# ---------------------------------------------------------------------------------------------- the checks

@dataclass
class LayerGraph:
    """The layer types, in order, equal the reference's (input layers left out); and for each type listed in
    ``attributes`` (e.g. ``{"Dense": ("units", "activation")}``) those attributes equal the reference's."""

    attributes: dict = field(default_factory=dict)

    def __call__(self, model, context: Context) -> Problem | None:
        got, want = _layers(model), _layers(context.reference())
        got_names, want_names = [_kind(x) for x in got], [_kind(x) for x in want]
        if got_names != want_names:
            message = f"the layers are {' -> '.join(got_names) or '(none)'}, expected {' -> '.join(want_names)}"
            for position, (g, w) in enumerate(zip(got_names, want_names), start=1):
                if g != w:
                    return Problem(message, f"layer {position} is {_a(g)} where the model needs {_a(w)}.")
            if len(got_names) < len(want_names):
                return Problem(message, f"{_a(want_names[len(got_names)])} layer is missing after the "
                                        f"{got_names[-1] if got_names else 'input'}.")
            return Problem(message, f"remove the extra {', '.join(got_names[len(want_names):])} at the end.")
        for position, (g, w) in enumerate(zip(got, want), start=1):
            for name in self.attributes.get(type(w).__name__, ()):
                if _attribute(g, name) != _attribute(w, name):
                    return Problem(f"layer {position} ({type(g).__name__}) has {name}={_attribute(g, name)!r}, "
                                   f"expected {name}={_attribute(w, name)!r}",
                                   f"create the {type(w).__name__} with {name}={_attribute(w, name)!r}.")
        return None


def _formula(layer) -> str:
    """How the parameters of ``layer`` (a reference layer) are counted, with its own sizes filled in."""
    kind, count = type(layer).__name__, layer.count_params()
    if kind == "Embedding":
        return (f"an Embedding of input_dim={layer.input_dim} (the vocabulary, padding id 0 included) and "
                f"output_dim={layer.output_dim} has {layer.input_dim}·{layer.output_dim} = {count}: check input_dim and "
                "output_dim.")
    if kind in ("GRU", "LSTM", "SimpleRNN"):
        n, d = layer.units, layer.cell.kernel.shape[0]
        terms = {"GRU": f"3·({d}·{n} + {n}·{n} + 2·{n})", "LSTM": f"4·({d}·{n} + {n}·{n} + {n})",
                 "SimpleRNN": f"{d}·{n} + {n}·{n} + {n}"}[kind]
        extra = (" (Keras's default reset_after=True has two bias vectors per gate; reset_after=False has one)"
                 if kind == "GRU" else "")
        return f"{_a(kind)} of {n} units on {d} inputs has {terms} = {count}{extra}: check units" + (
            " and reset_after." if kind == "GRU" else ".")
    if kind == "Bidirectional":
        inner = layer.forward_layer
        return (f"a Bidirectional {type(inner).__name__} is two of them, forward and backward: 2 · "
                f"{inner.count_params()} = {count}, where {_formula(inner).split(': check')[0]}: check units (its "
                f"output has 2·{inner.units} values, both directions side by side).")
    if kind == "Dense":
        d, n = layer.kernel.shape
        return f"a Dense layer of {n} units on {d} inputs has ({d} + 1)·{n} = {count}: check units (and use_bias)."
    return f"check the size arguments of the {kind} layer."


@dataclass
class ParameterCount:
    """The model's parameter count equals the reference's. ``sample``: an input batch to build a model that was
    not built yet (one created without ``keras.Input``)."""

    sample: object = None

    def __call__(self, model, context: Context) -> Problem | None:
        _built(model, self.sample)
        reference = context.reference()
        got, want = model.count_params(), reference.count_params()
        if got == want:
            return None
        message = f"the model has {got} parameters, expected {want}"
        layers, expected = _layers(model), _layers(reference)
        if [type(x) for x in layers] == [type(x) for x in expected]:
            for g, w in zip(layers, expected):
                if g.count_params() != w.count_params():
                    return Problem(message, f"its {type(g).__name__} layer has {g.count_params()} parameters, expected "
                                            f"{w.count_params()}; {_formula(w)}")
        return Problem(message, "compare the layers and their sizes with the exercise's description.")


@dataclass
class OutputShape:
    """The output for the input batch ``x`` has the reference's shape."""

    x: object
    error_hint: str | None = None  # the hint when the model cannot run on x (it raises)

    def __call__(self, model, context: Context) -> Problem | None:
        try:
            got = tuple(_numpy(model(self.x)).shape)
        except Exception as error:  # e.g. layers wired so that their shapes disagree
            return Problem(f"the model could not run on an input of shape {_shape(self.x)}: {type(error).__name__}: "
                           f"{_first_line(error)}", self.error_hint)
        want = tuple(_numpy(context.reference()(self.x)).shape)
        if got == want:
            return None
        message = f"for an input of shape {_shape(self.x)} the output has shape {got}, expected {want}"
        if len(got) == len(want) + 1 and len(got) > 1 and not isinstance(self.x, (list, tuple)) and (
                got[1] == np.shape(self.x)[1]):
            return Problem(message, "that is one output per time step: a recurrent layer with return_sequences=True. "
                                    "A classifier reads only the final state (return_sequences=False, the default).")
        if len(got) + 1 == len(want) and len(want) > 2 and want[1] == np.shape(self.x)[1]:
            return Problem(message, "that is one output per sequence: a tagger needs one per time step, so the "
                                    "recurrent layer must return its whole sequence of states "
                                    "(return_sequences=True; inside Bidirectional, on the wrapped layer).")
        if len(got) == len(want) and got[:-1] == want[:-1]:
            return Problem(message, f"the last axis has {got[-1]} values, expected {want[-1]}: check the units of the "
                                    "final Dense layer.")
        return Problem(message, "check which layer changes the shape (model.summary() shows every layer's output shape).")


MASK_HINT = ("the model reads the padding as if it were input: create the Embedding with mask_zero=True, so that the "
             "recurrent layer skips padded steps (and put no layer between them that drops the mask).")


@dataclass
class PaddingInvariance:
    """Outputs on the batch ``x`` equal, within ``atol``, the outputs on ``x`` with ``extra`` padding steps (id
    ``pad``) appended to every sequence. A model that ignores the mask reads the padding and fails. For a model of
    several inputs (``x`` a list), ``input`` is the position of the one padded (e.g. 0: the source of a translator)."""

    x: object
    extra: int = 3
    pad: int = 0
    atol: float = 1e-5  # float32: a masked GRU gives exactly equal outputs here
    hint: str = MASK_HINT
    input: int | None = None
    per_step: bool = False  # one output per time step (a tagger): compare the outputs at the real steps of x

    def __call__(self, model, context: Context) -> Problem | None:
        x = np.asarray(self.x if self.input is None else self.x[self.input])
        longer = np.concatenate([x, np.full((x.shape[0], self.extra) + x.shape[2:], self.pad, dtype=x.dtype)], axis=1)
        if self.input is not None:
            x, longer = list(self.x), [longer if i == self.input else item for i, item in enumerate(self.x)]
        outputs = _numpy(model(x))
        if self.per_step:
            return self._per_step(model, x, longer, outputs)
        try:
            padded = _numpy(model(longer))
        except Exception as error:  # e.g. a fixed sequence length in keras.Input
            return Problem(f"the model could not read the same batch with {self.extra} more padding steps "
                           f"(shape {_shape(longer)}): {type(error).__name__}: {_first_line(error)}",
                           "leave the sequence length open: keras.Input(shape=(None,), dtype='int32').")
        if padded.shape != outputs.shape:
            return Problem(f"appending {self.extra} padding steps changed the output shape from {outputs.shape} to "
                           f"{padded.shape}", "the output should not depend on the padded length: keep "
                                              "return_sequences=False for a classifier.")
        difference = float(np.max(np.abs(padded.astype(float) - outputs.astype(float)))) if outputs.size else 0.0
        if not difference <= self.atol:
            return Problem(f"appending {self.extra} padding steps (id {self.pad}) to every sequence changed the outputs "
                           f"by up to {difference:.2g} (at most {self.atol:g} expected)", self.hint)
        return None

    def _per_step(self, model, x, longer, outputs) -> Problem | None:
        padded = _numpy(model(longer))
        if padded.ndim < 3 or outputs.ndim < 3:
            return Problem(f"the output has shape {outputs.shape}, with no axis of time steps",
                           "a tagger gives one output per time step: return_sequences=True.")
        real = x != self.pad
        difference = float(np.max(np.abs(padded[:, : x.shape[1]][real] - outputs[real]))) if real.any() else 0.0
        if not difference <= self.atol:
            return Problem(f"appending {self.extra} padding steps (id {self.pad}) to every sentence changed the "
                           f"outputs at its real tokens by up to {difference:.2g} (at most {self.atol:g} expected)",
                           self.hint)
        return None


def _loss(model, x, y, step) -> float:
    value = model.test_on_batch(x, y) if step is None else step(model, x, y, train=False)
    return float(np.ravel(np.asarray(value, dtype=float))[0])  # test_on_batch gives [loss, metrics...] with metrics


def _trainable_count(model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def _learning_rate(model) -> float | None:
    try:
        return float(_numpy(model.optimizer.learning_rate))
    except Exception:  # no optimizer, or a schedule
        return None


@dataclass
class Learns:
    """The loss on the tiny fixed batch ``(x, y)`` falls below its start divided by ``factor`` within ``steps``
    optimizer steps. By default a step is ``model.train_on_batch`` (the model must be compiled; it runs eagerly,
    which is faster than tracing for a tiny model); ``step(model, x, y, train=True)`` replaces it (a learner's
    train step: it returns the loss, and with ``train=False`` only computes it). Before training, the trainable
    parameters are compared with the reference's, so a frozen layer is named."""

    x: object
    y: object
    steps: int = 15
    factor: float = 2.0
    step: Callable | None = None
    hint: str = ("check the loss (binary cross-entropy for one sigmoid output) and the optimizer and its learning "
                 "rate (the exercise gives them).")

    def __call__(self, model, context: Context) -> Problem | None:
        if self.step is None and not getattr(model, "compiled", False):
            return Problem("the model is not compiled, so it cannot be trained",
                           "call model.compile(optimizer=..., loss=...) before returning the model.")
        _built(model, self.x)
        trainable, expected = _trainable_count(model), _trainable_count(context.reference())
        if trainable < expected:
            frozen = [type(x).__name__ for x in _layers(model) if x.count_params() and not x.trainable]
            where = (f"the {', '.join(frozen)} layer{'s are' if len(frozen) > 1 else ' is'} frozen (trainable=False)"
                     if frozen and model.trainable else "the whole model is frozen (model.trainable = False)")
            return Problem(f"only {trainable} of the model's {model.count_params()} parameters are trainable, "
                           f"expected {expected}, so the rest never learns", f"{where}; leave trainable=True.")
        if self.step is None:
            model.run_eagerly = True
        start = _loss(model, self.x, self.y, self.step)
        for _ in range(self.steps):
            if self.step is None:
                model.train_on_batch(self.x, self.y)
            else:
                self.step(model, self.x, self.y, train=True)
        end = _loss(model, self.x, self.y, self.step)
        examples = len(self.x[0] if isinstance(self.x, (list, tuple)) else self.x)
        message = (f"the loss on a fixed batch of {examples} examples went from {start:.4g} to {end:.4g} in "
                   f"{self.steps} training steps; it should fall below {start / self.factor:.4g} (by a factor "
                   f"{self.factor:g})")
        if not np.isfinite(end):
            return Problem(message, "the loss became nan or inf: is the learning rate far too large?")
        if end <= start / self.factor and start > 0:
            return None
        rate = _learning_rate(model) if self.step is None else None
        if rate == 0:
            return Problem(message, "the optimizer's learning rate is 0, so the weights never change.")
        return Problem(message, self.hint)

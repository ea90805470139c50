"""Which Keras backends each chapter runs on: the one place that says it.

Keras 3 runs the same model code on TensorFlow, JAX and PyTorch; the backend is fixed per process
(``KERAS_BACKEND``, read when Keras is first imported). The course is built and stored on TensorFlow, its default.
:data:`CHAPTERS` records, per chapter, whether it runs unchanged on the JAX backend (*portable*) or needs TensorFlow
itself (*TensorFlow-only*, with the reason: ``tf.GradientTape``, ``tf.data``, ``tf.distribute``, ``tf.signal``,
``TextVectorization``'s TensorFlow tensors, ...). A verdict is what a quick-mode run of the chapter on JAX showed
(``KERAS_BACKEND=jax python3 course.py run --mode quick notebooks/NN_*.ipynb``, JAX and Keras versions in
:data:`CHECKED_WITH`) together with a reading of its code; a chapter whose code changes is checked again.

Readers: the README's chapter table (its "backends" column), the notebooks' test run (``conftest.py`` skips a
TensorFlow-only chapter, with its reason, under another backend) and :data:`JAX_SMOKE` (the few portable chapters
that a JAX pass of the tests runs in quick mode).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CHECKED_WITH = "JAX 0.10.2, Keras 3.15.1, quick mode"


@dataclass(frozen=True)
class Verdict:
    portable: bool | None  # None: not yet run to its end on JAX (treated as TensorFlow-only until it is)
    reason: str  # TensorFlow-only: what needs TensorFlow; portable: what was checked; None: how far it got

    @property
    def label(self) -> str:
        return {True: "TensorFlow, JAX", False: "TensorFlow only"}.get(self.portable, "TensorFlow (JAX unchecked)")


def portable(checked: str) -> Verdict:
    return Verdict(True, checked)


def tensorflow_only(reason: str) -> Verdict:
    return Verdict(False, reason)


def unchecked(how_far: str) -> Verdict:
    return Verdict(None, how_far)


CHAPTERS = {
    "00": portable("runs on JAX in quick mode (setup line, doctor, the warm-up exercises)"),
    "01": portable("runs on JAX in quick mode (the order task's models train with fit)"),
    "02": portable("runs on JAX in quick mode (the NumPy forward pass against SimpleRNN and the char model)"),
    "03": tensorflow_only("its subject checks back-propagation through time against tf.GradientTape (cell 6 on: "
                          "a tape cannot follow the JAX arrays that Keras's losses and layers return)"),
    "04": tensorflow_only("measures gradients with tf.GradientTape around Keras layers and trains with a "
                          "tf.function loop that clips with tf.clip_by_global_norm"),
    "05": portable("runs on JAX in quick mode (NumPy LSTM steps against keras.layers.LSTM)"),
    "06": portable("runs on JAX in quick mode (NumPy GRU steps against keras.layers.GRU, both reset_after forms)"),
    "07": tensorflow_only("TextVectorization's outputs read with .numpy() (TensorFlow tensors) and tf.data "
                          "pipelines (shuffling, bucket_by_sequence_length) feed its trainings"),
    "08": portable("runs on JAX in quick mode, every cell (vectorising, the GRU translator, greedy and beam search, "
                   "the saved vocabularies); about 135 s on the busy shared machine, against 27 s recorded on "
                   "TensorFlow on a quiet one: not a side-by-side measurement"),
    "09": portable("runs on JAX in quick mode (windowed datasets, baselines, the recurrent forecasters); 3 min 06 s "
                   "on the busy shared machine, against 32 s recorded on TensorFlow on a quiet one"),
    "10": tensorflow_only("Keras 3.15's MultiHeadAttention cannot run its fused path with value_dim != key_dim on "
                          "JAX, and the chapter builds such a layer with a plain call (cell 13); building it with "
                          "return_attention_scores=True would avoid that, later cells are unchecked"),
    "11": tensorflow_only("TextVectorization's outputs read with .numpy() (cell 3) and tf.distribute strategies "
                          "with TensorFlow gRPC workers (course_utils.distributed) are its subject"),
    "12": unchecked("on JAX in quick mode every cell up to the real-data training (cell 47) ran, the taggers' "
                    "trainings included; the 3-minute limit of a run on the shared machine stopped it there"),
    "13": tensorflow_only("the CTC training loop is a tf.function with tf.GradientTape (course_utils.speech.model."
                          "train_ctc), which a JAX-backend model cannot be differentiated by (cell 25)"),
    "14": tensorflow_only("its trainings (course_utils.speech.speaker_runs) turn on TensorFlow's op determinism "
                          "and predict through a tf.function (speech/speakers.predict); by reading, not run on JAX"),
}

# The portable chapters a JAX pass of the tests runs in quick mode (short ones: setup and exercises, the forward
# pass against SimpleRNN); see README "Choosing a backend".
JAX_SMOKE = ("00", "02")


def verdict(chapter) -> Verdict:
    """The verdict of a chapter, given as "NN" or as a path ``notebooks/NN_topic.ipynb``."""
    number = Path(str(chapter)).name[:2]
    if number not in CHAPTERS:
        raise KeyError(f"chapter {number} has no backend verdict in course_build/backends.py (CHAPTERS): run it in "
                       "quick mode with KERAS_BACKEND=jax and record whether it is portable")
    return CHAPTERS[number]


def runs_on(chapter, backend: str) -> bool:
    """Whether a chapter runs on Keras backend ``backend`` ("tensorflow" always; "jax" when portable)."""
    return backend == "tensorflow" or (backend == "jax" and verdict(chapter).portable is True)

"""Chapter 13's trainings, run side by side in one-thread processes on features computed once.

A two-core machine trains two small CTC models in about the time of one if each gets its own process with one
TensorFlow thread (a small recurrent model does not use two threads well). This module does that:

* :class:`FeatureStore`: a temporary directory of log-mel features (:func:`course_utils.speech.features.split_features`)
  of named :class:`~course_utils.datasets.speech.SpeechSplit` objects, computed once by ``workers`` processes
  (each featurises its share of every split) and read back by the parent and by the training processes;
* :class:`RunConfig`: one training run (which training set, global or per-utterance normalisation, time and
  frequency masking or not, seed, a fixed number of epochs, model options such as ``mask_padding``), trained by
  :func:`course_utils.speech.model.train_ctc` and scored on the validation and test sets by :func:`course_utils.speech.model.evaluate` inside a fresh process;
* :func:`run_all`: runs a list of :class:`RunConfig` through a queue of ``workers`` processes (``workers=0``:
  one after the other in this process, for quick checks) and returns one :class:`RunResult` per configuration.

Each process (:mod:`course_utils.measure.fresh_process`) gets ``TF_NUM_INTRAOP_THREADS=1``, seeds Python, NumPy and
Keras from the run's seed and turns on TensorFlow's op determinism, so a run gives the same numbers every time on
the same machine; it answers in JSON;
a process that fails or exceeds the time limit raises :class:`RunError` with the end of its error output.
"""
from __future__ import annotations

import json
import pickle
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from course_utils import validation
from course_utils.measure import fresh_process

NORMALISATIONS = ("global", "utterance")


class RunError(fresh_process.FreshProcessError):
    """A featurising or training process failed or exceeded its time limit."""


def _start(arguments: list, what: str) -> fresh_process.FreshProcess:
    """``python -m course_utils.speech.runs *arguments`` with one TensorFlow (and OpenMP) thread."""
    return fresh_process.start("course_utils.speech.runs", *arguments, threads=1, env={"OMP_NUM_THREADS": "1"},
                               label=what)


class TemporaryStore:
    """A folder of stored arrays: a new temporary one (removed by :meth:`close` or ``with``) or, given ``directory``,
    that folder (created if missing, never removed). Chapter 13's feature store and chapter 14's waveform store."""

    prefix = "course-store-"

    def __init__(self, directory=None):
        self._owned = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix=self.prefix) if directory is None else directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._owned and self.directory.exists():
            shutil.rmtree(self.directory, ignore_errors=True)


class FeatureStore(TemporaryStore):
    """Log-mel features of named speech splits, in a temporary directory (removed by :meth:`close` or ``with``)."""

    prefix = "course-speech-"

    def _index(self) -> dict:
        path = self.directory / "index.json"
        return json.loads(path.read_text()) if path.exists() else {}

    @property
    def names(self) -> list:
        return list(self._index())

    def featurise(self, splits: dict, workers: int = 2, timeout: float = 900) -> float:
        """Compute and store the features of ``splits`` (name -> SpeechSplit), each split shared among ``workers``
        processes (0: in this process). Returns the wall time in seconds."""
        workers = validation.integer("workers", workers, minimum=0)
        start = time.perf_counter()
        index = self._index()
        for name, split in splits.items():
            key = f"set{len(index)}"
            index[name] = {"key": key, "parts": max(workers, 1), "digits": list(split.digits)}
            with open(self.directory / f"{key}.pkl", "wb") as handle:
                pickle.dump(split, handle)
        (self.directory / "index.json").write_text(json.dumps(index))
        names = list(splits)
        if workers == 0:
            _featurise(self.directory, names, 0, 1)
        else:
            parts = [_start(["featurise", str(self.directory), json.dumps(names), str(part), str(workers)],
                            f"featurising part {part}") for part in range(workers)]
            fresh_process.collect(parts, timeout, RunError)
        return time.perf_counter() - start

    def load(self, name: str) -> tuple:
        """``(features, digits)``: the list of (T_i, n_mels) float32 arrays and the digit strings of split ``name``."""
        index = self._index()
        if name not in index:
            raise KeyError(f"no features stored for {name!r}; stored: {', '.join(index) or 'none'}")
        entry, features = index[name], []
        for part in range(entry["parts"]):
            with np.load(self.directory / f"{entry['key']}.part{part}.npz") as data:
                frames, lengths = data["frames"], data["lengths"]
            features.extend(np.split(frames, np.cumsum(lengths)[:-1]) if len(lengths) else [])
        return features, list(entry["digits"])


def _featurise(directory: Path, names: list, part: int, parts: int) -> dict:
    from course_utils.datasets.speech import SpeechSplit
    from course_utils.speech import features as F

    index = json.loads((Path(directory) / "index.json").read_text())
    for name in names:
        key = index[name]["key"]
        with open(Path(directory) / f"{key}.pkl", "rb") as handle:
            split = pickle.load(handle)
        chunk = np.array_split(np.arange(len(split)), parts)[part]
        sub = SpeechSplit(split.name, [split.utterances[i] for i in chunk], split.sample_rate)
        features = F.split_features(sub) if len(sub) else []
        lengths = np.array([len(f) for f in features], dtype=np.int64)
        frames = np.concatenate(features) if features else np.zeros((0, F.N_MELS), np.float32)
        np.savez(Path(directory) / f"{key}.part{part}.npz", frames=frames, lengths=lengths)
    return {"part": part, "names": list(names)}


@dataclass
class RunConfig:
    """One training run: ``train_set`` (a name in the store), ``normalisation`` (``"global"``: per-band statistics
    fitted on the training set; ``"utterance"``: each utterance by its own statistics), ``masking`` (time and
    frequency masking), ``seed`` (weights, batch order, masks), ``epochs`` (a fixed number, chosen in advance;
    ``max_epochs`` is its old name), ``budget_seconds`` (a guard only: a warning when training takes longer), the
    stored sets to score it on, and ``model_options`` for :func:`~course_utils.speech.model.build_acoustic_model`
    (e.g. ``{"mask_padding": True}``). ``save_model`` keeps the trained weights for :func:`load_model`;
    ``validate_each_epoch=False`` scores the validation set after the last epoch only (same training, less time)."""

    name: str
    train_set: str
    normalisation: str = "utterance"
    masking: bool = False
    seed: int = 0
    budget_seconds: float | None = None
    max_epochs: int | None = None
    val_set: str = "val"
    test_sets: tuple = ("clean", "20 dB", "10 dB")
    save_model: bool = False
    model_options: dict = field(default_factory=dict)
    epochs: int | None = None
    validate_each_epoch: bool = True

    def __post_init__(self):
        validation.option("normalisation", self.normalisation, NORMALISATIONS)
        validation.integer("seed", self.seed, minimum=0)
        if self.epochs is not None and self.max_epochs is not None and self.epochs != self.max_epochs:
            raise ValueError(f"give epochs or max_epochs (its old name), not both: got {self.epochs} and "
                             f"{self.max_epochs}")
        self.epochs = validation.integer("epochs", self.epochs if self.epochs is not None else
                                         self.max_epochs if self.max_epochs is not None else 30, minimum=1)
        self.max_epochs = None
        if self.budget_seconds is not None:
            validation.real_number("budget_seconds", self.budget_seconds)
        self.test_sets = tuple(self.test_sets)


@dataclass
class RunResult:
    """What a run returns: its config, the history (one dict per epoch), the training time, the scores per set
    (``{"der", "strings", "loss", "hypotheses"}``), the global normaliser's statistics and the weights' path."""

    config: RunConfig
    history: list
    training_seconds: float
    scores: dict
    normaliser: dict | None = None
    weights: str | None = None

    @property
    def epochs(self) -> int:
        return len(self.history)

    def summary(self) -> dict:
        """One row of numbers: epochs, training seconds, validation DER and, per test set, DER and whole strings."""
        row = {"epochs": self.epochs, "train_s": round(self.training_seconds, 1),
               "final_loss": self.history[-1]["loss"], "val_der": self.scores[self.config.val_set]["der"]}
        for name in self.config.test_sets:
            row[f"der_{name}"] = self.scores[name]["der"]
            row[f"strings_{name}"] = self.scores[name]["strings"]
        return row


def _normalise(how: str, train, others: dict):
    from course_utils.speech import features as F

    if how == "utterance":
        return F.normalise_per_utterance(train), {k: F.normalise_per_utterance(v) for k, v in others.items()}, None
    normaliser = F.FeatureNormalizer().fit(train)
    stats = {"mean": normaliser.mean.tolist(), "std": normaliser.std.tolist()}
    return normaliser.transform(train), {k: normaliser.transform(v) for k, v in others.items()}, stats


def _train(directory: Path, run: RunConfig, stem: str, verbose: bool = False) -> RunResult:
    import keras

    from course_utils.speech import model as speech_model

    store = FeatureStore(directory)
    keras.utils.set_random_seed(run.seed)  # Python, NumPy and the backend
    train_features, train_digits = store.load(run.train_set)
    sets = {name: store.load(name) for name in dict.fromkeys((run.val_set, *run.test_sets))}
    train_features, others, stats = _normalise(run.normalisation, train_features,
                                               {name: f for name, (f, _) in sets.items()})
    model = speech_model.build_acoustic_model(**run.model_options)
    history = speech_model.train_ctc(model, train_features, train_digits, others[run.val_set], sets[run.val_set][1],
                                     epochs=run.epochs, masking=run.masking, seed=run.seed, verbose=verbose,
                                     validate_each_epoch=run.validate_each_epoch)
    seconds = sum(h["seconds"] for h in history)
    scores = {name: speech_model.evaluate(model, others[name], sets[name][1]) for name in sets}
    weights = None
    if run.save_model:
        weights = str(Path(directory) / f"{stem}.weights.h5")
        model.save_weights(weights)
    return RunResult(run, history, seconds, scores, stats, weights)


def _from_answer(data: dict) -> RunResult:
    """The :class:`RunResult` a training process answered with (``asdict`` of it)."""
    data = dict(data)
    return RunResult(config=RunConfig(**data.pop("config")), **data)


def run_all(store: FeatureStore, configs: list, workers: int = 2, timeout: float = 900, verbose: bool = True) -> dict:
    """Train and score every :class:`RunConfig` in ``configs`` (names must differ), ``workers`` at a time in
    fresh one-thread processes (0: in this process, one after the other); returns name -> :class:`RunResult` in
    the order of ``configs``. With ``verbose`` one line is printed as each run finishes."""
    workers = validation.integer("workers", workers, minimum=0)
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise ValueError(f"run names must differ, got {names}")
    stems = {c.name: f"run{i}" for i, c in enumerate(configs)}

    def one(run: RunConfig) -> RunResult:
        start = time.perf_counter()
        if workers == 0:
            result = _train(store.directory, run, stems[run.name])
        else:
            process = _start(["train", str(store.directory), json.dumps(asdict(run)), stems[run.name]],
                             f"run {run.name!r}")
            result = _from_answer(process.collect(timeout, RunError))
        if verbose:
            tests = ", ".join(f"{k} {result.scores[k]['der']:.3f}" for k in run.test_sets)
            print(f"{run.name}: {result.epochs} epochs, {result.training_seconds:.0f} s of training "
                  f"({time.perf_counter() - start:.0f} s in all); DER val {result.scores[run.val_set]['der']:.3f}, "
                  f"{tests}", flush=True)
        if run.budget_seconds is not None and result.training_seconds > run.budget_seconds:
            print(f"warning: {run.name} trained {result.training_seconds:.0f} s, over its guard of "
                  f"{run.budget_seconds:.0f} s: this machine is slower or busier than the one the chapter was timed "
                  "on (the results do not depend on it: the number of epochs is fixed)", flush=True)
        return result

    if workers == 0:
        results = [one(c) for c in configs]
    else:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(one, configs))
    return dict(zip(names, results))


def load_model(result: RunResult):
    """The trained model of a run made with ``save_model=True``."""
    from course_utils.speech import model as speech_model

    if not result.weights:
        raise ValueError(f"run {result.config.name!r} did not keep its weights: set save_model=True")
    model = speech_model.build_acoustic_model(**result.config.model_options)
    model.load_weights(result.weights)
    return model


def _main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from course_utils import config

    config.import_tensorflow()
    if argv[0] == "featurise":
        fresh_process.answer(_featurise(Path(argv[1]), json.loads(argv[2]), int(argv[3]), int(argv[4])))
    elif argv[0] == "train":
        config.import_tensorflow().config.experimental.enable_op_determinism()
        fresh_process.answer(asdict(_train(Path(argv[1]), RunConfig(**json.loads(argv[2])), argv[3])))
    else:
        raise SystemExit(f"unknown command {argv[0]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())

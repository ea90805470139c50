"""Chapter 14's trainings, two at a time, each in a fresh process with one TensorFlow thread (as chapter 13's
:mod:`course_utils.speech.runs`, for the isolated-digit classifiers of :mod:`course_utils.speech.speakers`).

* :class:`WaveStore`: a temporary directory holding named sets of waveforms with their digits and speakers
  (``add``), read back by the training processes;
* :class:`Run`: one training (a :class:`~course_utils.speech.speakers.Recipe`, the stored training set or a
  synthetic one made inside the process by :func:`course_utils.datasets.isolated_digits.load_synthetic_digits`, a
  seed, optional starting weights from an earlier run, the sets to predict);
* :func:`run_all`: runs a list of :class:`Run` through ``workers`` processes (0: here, one after the other) and
  returns name -> :class:`RunResult` (accuracy per set and per speaker, predictions, history, training time).

Each run is deterministic (``keras.utils.set_random_seed`` and op determinism in its own process): the same run
gives the same predictions on the same machine.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from course_utils import validation
from course_utils.measure import fresh_process
from course_utils.speech.runs import TemporaryStore


class RunError(fresh_process.FreshProcessError):
    """A training process failed or exceeded its time limit."""


class WaveStore(TemporaryStore):
    """Named sets of waveforms (with digits and speakers) in a temporary directory; ``close`` (or ``with``) removes it."""

    prefix = "course-speakers-"

    def add(self, name: str, waveforms, digits, speakers) -> None:
        """Store a set: a list of 1-D waveforms, their digits (0-9) and speakers (strings), all of one length."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name must be a simple identifier such as 'train', got {name!r}")
        waveforms = [validation.real_array("waveform", w, ndim=1, expected="(n_samples,)").astype(np.float32)
                     for w in waveforms]
        digits, speakers = np.asarray(digits), np.asarray(speakers, dtype=str)
        if not (len(waveforms) == len(digits) == len(speakers)) or not waveforms:
            raise ValueError(f"need as many waveforms, digits and speakers (at least one), got "
                             f"{len(waveforms)}, {len(digits)}, {len(speakers)}")
        if digits.dtype.kind not in "iu" or digits.min() < 0 or digits.max() > 9:
            raise ValueError("digits must be integers from 0 to 9")
        np.savez(self.directory / f"{name}.npz", samples=np.concatenate(waveforms),
                 lengths=np.array([len(w) for w in waveforms]), digits=digits, speakers=speakers)

    def load(self, name: str) -> tuple:
        """``(waveforms, digits, speakers)`` of a stored set (KeyError naming the stored sets if it is missing)."""
        path = self.directory / f"{name}.npz"
        if not path.exists():
            stored = sorted(p.stem for p in self.directory.glob("*.npz"))
            raise KeyError(f"no set {name!r} stored; stored: {', '.join(stored) or 'none'}")
        with np.load(path) as data:
            waves = np.split(data["samples"], np.cumsum(data["lengths"])[:-1])
            return waves, data["digits"], data["speakers"].tolist()


@dataclass
class Run:
    """One training: ``recipe`` (the fields of a :class:`~course_utils.speech.speakers.Recipe`), ``train_set`` (a
    stored set, or ``"synthetic"``: :func:`~course_utils.datasets.isolated_digits.load_synthetic_digits` with
    ``synthetic``'s arguments), ``seed``, ``start_from`` (the name of an earlier run with ``save=True`` in the same
    store: fine-tune its weights), ``score_sets`` (stored sets to predict), ``save`` (keep the weights)."""

    name: str
    recipe: dict
    train_set: str = "train"
    seed: int = 0
    start_from: str | None = None
    score_sets: tuple = ("val", "test")
    save: bool = False
    synthetic: dict = field(default_factory=dict)

    def __post_init__(self):
        from course_utils.speech.speakers import Recipe

        Recipe(**self.recipe)  # checks the recipe's fields
        validation.integer("seed", self.seed, minimum=0)
        self.score_sets = tuple(self.score_sets)


@dataclass
class RunResult:
    """What a run returns: its :class:`Run`, the history (one dict per epoch), training seconds, predictions and
    accuracy per scored set, accuracy per speaker per set, and the path of its weights (if kept)."""

    run: Run
    history: list
    training_seconds: float
    predictions: dict
    accuracy: dict
    by_speaker: dict
    weights: str | None = None


def _weights_path(directory, name) -> str:
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]  # the same in every process (unlike hash())
    return str(Path(directory) / f"weights_{digest}.weights.h5")


def _train(directory, run: Run) -> RunResult:
    from course_utils.speech import speakers

    store = WaveStore(directory)
    if run.train_set == "synthetic":
        from course_utils.datasets.isolated_digits import SyntheticDigits, load_synthetic_digits

        data = load_synthetic_digits(**run.synthetic)
        waves, digits = data.train.waveforms(), SyntheticDigits.labels(data.train)
    else:
        waves, digits, _ = store.load(run.train_set)
    sets = {name: store.load(name) for name in run.score_sets}
    start = _weights_path(directory, run.start_from) if run.start_from else None
    out = _weights_path(directory, run.name) if run.save else None
    answer = speakers.train_and_score(speakers.Recipe(**run.recipe), waves, digits,
                                      {name: s[0] for name, s in sets.items()}, seed=run.seed,
                                      initial_weights=start, weights_out=out)
    accuracy, by_speaker = {}, {}
    for name, (_, truth, who) in sets.items():
        hits = np.asarray(answer["predictions"][name]) == truth
        accuracy[name] = float(hits.mean())
        by_speaker[name] = {s: float(hits[np.asarray(who) == s].mean()) for s in dict.fromkeys(who)}
    return RunResult(run, answer["history"], answer["training_seconds"], answer["predictions"], accuracy, by_speaker, out)


def run_all(store: WaveStore, runs: list, workers: int = 2, timeout: float = 900, verbose: bool = True) -> dict:
    """Train every :class:`Run` (names must differ; a run that starts from another must come in a later call),
    ``workers`` at a time in fresh one-thread processes (0: in this process); name -> :class:`RunResult`."""
    workers = validation.integer("workers", workers, minimum=0)
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ValueError(f"run names must differ, got {names}")
    for r in runs:
        if r.start_from in names:
            raise ValueError(f"run {r.name!r} starts from {r.start_from!r}, which trains in the same call: "
                             "train it in an earlier call of run_all")

    def one(run: Run) -> RunResult:
        begin = time.perf_counter()
        if workers == 0:
            result = _train(store.directory, run)
        else:
            process = fresh_process.start("course_utils.speech.speaker_runs", "train", str(store.directory),
                                          json.dumps(asdict(run)), threads=1, env={"OMP_NUM_THREADS": "1"},
                                          label=f"run {run.name!r}")
            data = process.collect(timeout, RunError)
            result = RunResult(**{**data, "run": Run(**data["run"])})
        if verbose:
            scores = ", ".join(f"{k} {v:.3f}" for k, v in result.accuracy.items())
            print(f"{run.name}: {len(result.history)} epochs, {result.training_seconds:.0f} s of training "
                  f"({time.perf_counter() - begin:.0f} s in all); accuracy {scores}", flush=True)
        return result

    if workers == 0:
        results = [one(r) for r in runs]
    else:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(one, runs))
    return dict(zip(names, results))


def _main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from course_utils import config

    if argv[0] != "train":
        raise SystemExit(f"unknown command {argv[0]!r}")
    config.import_tensorflow().config.experimental.enable_op_determinism()
    fresh_process.answer(asdict(_train(Path(argv[1]), Run(**json.loads(argv[2])))))
    return 0


if __name__ == "__main__":
    sys.exit(_main())

"""course_utils: what the notebooks of *Recurrent Neural Networks with Keras* import (the learner's API).

Nothing here imports a chapter, and nothing here imports the course's build tools (:mod:`course_build`: the
runner, README tables, site, slides, guide); a test checks both. CONTRIBUTING.md has the full map.

Used by every chapter:

* :mod:`.config`      ``setup()``, ``pick(quick=, full=)``, ``seeds()``, the palette ``COLOURS``, modes, the offline
  switch, the cache directory; ``stopwatch()`` (from :mod:`.measure.timing`) times code
* :mod:`.results`     ``declare_targets``/``claim``/``expect``, ``record`` and ``over_seeds``: headline numbers with
  their seeds and the targets set before the experiment ran
* :mod:`.exercises`   the checker framework (``check``, ``show_solution``) and one module of exercises per topic
* :mod:`.datasets`    loaders, one module per data family, the generated corpora, verified downloads
* :mod:`.validation`  argument checks at the edge; :mod:`.doctor` the environment report; :mod:`.progress` the
  learner's progress file; :mod:`.netguard` the offline network guard

By topic (a sub-package where a topic has several modules):

* :mod:`.from_scratch`  the NumPy recurrences, RNN layers, attention and Transformer pieces (chapters 02-06, 08, 10)
* :mod:`.measure`       cost models, sequence-length costs, epoch timing, fresh-process measurements (10, 11)
* :mod:`.speech`        eSpeak NG, log-mel features, CTC, the acoustic model and its runs (13); isolated-digit
  classifiers for real and synthetic speakers (14)
* :mod:`.sentiment` (07), :mod:`.decoding` (08), :mod:`.forecasting` (09), :mod:`.tuning` and
  :mod:`.distributed` (11), :mod:`.tagging` (12)
"""
from course_utils.config import COLOURS, cache_dir, is_quick, mode, offline, pick, seeds, setup
from course_utils.doctor import doctor
from course_utils.exercises import check, show_solution
from course_utils.measure.timing import stopwatch
from course_utils.results import claim, declare_targets, expect, over_seeds, record

__all__ = ["setup", "pick", "seeds", "stopwatch", "COLOURS", "mode", "is_quick", "offline", "cache_dir", "check", "show_solution", "doctor",
           "record", "over_seeds", "declare_targets", "claim", "expect"]
__version__ = "0.3.0"

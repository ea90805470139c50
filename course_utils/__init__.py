"""course_utils: the helper package of the course *Recurrent Neural Networks with Keras*.

Chapters import from here; nothing here imports from a chapter. CONTRIBUTING.md has the full map. Modules:

* :mod:`course_utils.config`     modes (``pick``), the offline switch, the cache directory, ``setup()``
* :mod:`course_utils.cells`      every recurrence formula, written once (the exercises' solutions)
* :mod:`course_utils.reference`  validated NumPy layers that loop over those formulas, compared with Keras
* :mod:`course_utils.validation` argument checks at the edge, with errors that name what was expected
* :mod:`course_utils.exercises`  the checker framework and one module of exercises per topic
* :mod:`course_utils.datasets`   loaders, one module per data family, with the generated corpora
* :mod:`course_utils.results`    ``record`` and ``over_seeds``: headline numbers with their seeds and targets
* :mod:`course_utils.doctor`     the environment report
* :mod:`course_utils.notebooks`  executing chapters and checking their hygiene; :mod:`course_utils.readme` the
  README's generated tables
* :mod:`course_utils.progress`   the learner's progress file, recorded by every checker call
* :mod:`course_utils.site`       the website (Sphinx + MyST-NB) and its browser check; :mod:`course_utils.slides`
  reveal.js decks; :mod:`course_utils.instructor` the guide and the question bank; :mod:`course_utils.alt_text`
* :mod:`course_utils.cache`      verified downloads; :mod:`course_utils.netguard` the offline network guard
"""
from .config import cache_dir, is_quick, mode, offline, pick, setup
from .doctor import doctor
from .exercises import check, show_solution
from .results import over_seeds, record

__all__ = ["setup", "pick", "mode", "is_quick", "offline", "cache_dir", "check", "show_solution", "doctor",
           "record", "over_seeds"]
__version__ = "0.2.0"

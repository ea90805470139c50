"""course_utils: the helper package of the course *Recurrent Neural Networks with Keras*.

Chapters import from here; nothing here imports from a chapter. Modules:

* :mod:`course_utils.config`     modes (``pick``), the offline switch, the cache directory, ``setup()``
* :mod:`course_utils.exercises`  stubs, checkers and reference solutions
* :mod:`course_utils.doctor`     the environment report
* :mod:`course_utils.notebooks`  executing chapters and checking their hygiene
"""
from .config import cache_dir, is_quick, mode, offline, pick, setup
from .doctor import doctor
from .exercises import check, show_solution

__all__ = ["setup", "pick", "mode", "is_quick", "offline", "cache_dir", "check", "show_solution", "doctor"]
__version__ = "0.1.0"

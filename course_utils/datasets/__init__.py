"""Data loaders of the course: canonical datasets when cached or downloadable, offline data otherwise.

Every loader returns the same types whichever source served it and prints one line naming the source
(``source="auto"`` tries the canonical dataset first unless ``COURSE_OFFLINE`` is on; ``"offline"`` and the
canonical name force one). Sources and licences:

* Sentiment: IMDB reviews (Maas et al. 2011, the Stanford ``aclImdb_v1.tar.gz``; research use), or the
  review grammar of :mod:`course_utils.datasets.corpora.reviews` (generated here; MIT, like this package).
* Translation: Tatoeba/Anki English-Spanish pairs (``spa-eng.zip`` as in the TensorFlow tutorial; CC-BY 2.0 FR),
  or the Babel/num2words phrase corpus of :mod:`course_utils.datasets.corpora.phrases` (CLDR data: Unicode licence).
* Forecasting: Jena climate 2009-2016 (Max Planck Institute for Biogeochemistry), or, offline and real,
  Mauna Loa CO2 (shipped by statsmodels; public domain, NOAA/Scripps) and S&P 500 daily prices 1999-2018
  (shipped by arch; from Yahoo! Finance).
* Character-level text: the language-reference help topics and standard-library docstrings that ship with
  every Python installation (PSF licence).
* Named entities: BIO-tagged sentences built from CLDR names (Babel) and the phrase corpus, with entity
  strings held out for testing (:mod:`course_utils.datasets.named_entities`; generated here, CLDR data: Unicode licence).
* Synthetic tasks: the adding problem, a copy task, the order task of chapter 01 and the first-symbol task of
  chapter 10.
* Real datasets, verified file by file against a manifest (:mod:`course_utils.datasets.real`; found in the cache,
  a mirror folder named by ``COURSE_DATA_MIRROR``, or downloaded from the pinned source, else the generated data):
  Free Spoken Digit Dataset (CC BY-SA 4.0; :mod:`.recordings`), UCI Sentiment Labelled Sentences (CC BY 4.0;
  :mod:`.sentences`), Universal NER English EWT (CC BY-SA 4.0; :mod:`.uner`). DATA.md lists every dataset.
* Speech: spoken digit strings (and, for chapter 14, isolated digits at 8 kHz: :mod:`.isolated_digits`) synthesised offline by eSpeak NG (the library and voice data that the PyPI
  package espeakng-loader ships; GPL-3.0, used as a program, nothing of it is copied here).

One module per family; a new family adds a module here and one import line below.
"""
# Families with a downloadable file first, so the registry (and the CLI) lists imdb, spa-eng, jena in order.
from course_utils.datasets.text_classification import TextClassificationData, TextSplit, load_reviews  # isort: skip
from course_utils.datasets.translation import PairSplit, TranslationData, load_translation_pairs  # isort: skip
from course_utils.datasets.series import SERIES, SeriesData, load_series  # isort: skip
from course_utils.datasets.char_text import STDLIB_MODULES, load_char_text
from course_utils.datasets.named_entities import EntityData, TaggedSplit, load_entities
from course_utils.datasets.sources import REMOTES, register_remote
from course_utils.datasets.speech import SpeechSplit, SpokenDigits, Utterance, load_spoken_digits, synthesise
from course_utils.datasets.real import DATASETS as REAL_DATASETS, DataUnavailable
from course_utils.datasets.recordings import RecordedDigits, Recording, RecordingSplit, load_recorded_digits
from course_utils.datasets.isolated_digits import SyntheticDigits, load_synthetic_digits
from course_utils.datasets.sentences import load_sentences
from course_utils.datasets.uner import RealEntityData, load_uner
from course_utils.datasets.synthetic import (ORDER_A, ORDER_B, ORDER_PAD, adding_problem, copy_task, first_symbol_ceiling_without_order,
                        first_symbol_task, order_task)

__all__ = [
    "REMOTES", "register_remote", "load_reviews", "TextSplit", "TextClassificationData", "load_translation_pairs",
    "PairSplit", "TranslationData", "load_series", "SeriesData", "SERIES", "load_char_text", "STDLIB_MODULES",
    "adding_problem", "copy_task", "order_task", "ORDER_PAD", "ORDER_A", "ORDER_B",
    "first_symbol_task", "first_symbol_ceiling_without_order",
    "load_entities", "EntityData", "TaggedSplit",
    "load_spoken_digits", "synthesise", "SpokenDigits", "SpeechSplit", "Utterance",
    "REAL_DATASETS", "DataUnavailable", "load_recorded_digits", "RecordedDigits", "RecordingSplit", "Recording",
    "load_sentences", "load_uner", "RealEntityData",
]

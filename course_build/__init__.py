"""course_build: the tools that build, run and check the course. Maintainers and instructors use it; learners'
notebooks never import it (they import :mod:`course_utils`). Reach every tool through one command entry:
``python3 course.py <command>`` from a clone, or ``python -m course_build <command>`` inside the environment.

* :mod:`.cli`             the commands: doctor, run, download, results, site, slides, guide, readme, new-chapter,
                          progress
* :mod:`.repository`      where the checkout is and which chapters it has
* :mod:`.notebooks`       executing a chapter (``run``) and the hygiene checks of stored notebooks
* :mod:`.conventions`     one way each for seeds, timing, colours and cell ids, checked in every chapter
* :mod:`.results_report`  reading recorded results back from stored notebooks: tables, problems, comparisons
* :mod:`.readme`          the README's generated tables
* :mod:`.new_chapter`     a new chapter from the template (``new-chapter``)
* :mod:`.prose`           the prose-number check: every number in a chapter's Markdown comes from its run
* :mod:`.instructor`      the instructor guide and the review-question bank
* :mod:`.slides`, :mod:`.alt_text`, :mod:`.site`  reveal.js decks, alt text for figures, the website
* :mod:`.corpus_stats`    summary statistics of text corpora
"""

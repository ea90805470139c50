"""Entry point of ``python -m course_build`` (the same as ``python3 course.py <command>`` from a clone)."""
import sys

from course_build.cli import main

sys.exit(main())

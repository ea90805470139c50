"""Entry point of ``python -m course_utils``."""
import sys

from .cli import main

sys.exit(main())

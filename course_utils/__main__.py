"""``python -m course_utils <command>``: the old spelling of ``python -m course_build <command>``, kept because
stored chapter outputs still mention it. It forwards to the course's command entry."""
import sys

from course_build.cli import main

sys.exit(main())

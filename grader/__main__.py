"""python -m grader: the torcino-grade command line."""

import sys

from grader.cli import main

sys.exit(main())

"""``python -m resmo_pipeline``: the ``resmo-pipeline`` command, where the console script is not on PATH."""

import sys

from resmo_pipeline.cli import main

sys.exit(main())

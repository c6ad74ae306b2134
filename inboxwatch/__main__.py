"""``python -m inboxwatch``: the same as the ``inboxwatch`` command."""

import sys

from inboxwatch.app.cli import main

sys.exit(main())

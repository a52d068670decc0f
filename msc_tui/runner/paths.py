"""Where the runner keeps and finds things in a session.

Every folder hangs off one root, so tests drive the runner as a local subprocess
(MSC_RUNNER_ROOT=<a temp folder>); in a session it is unset and the root is /.
"""

from __future__ import annotations

import os

_ROOT = os.environ.get("MSC_RUNNER_ROOT", "").rstrip("/")
APP_DIR = _ROOT + "/app"
PROGRAM_USER = os.environ.get("MSC_RUNNER_USER", "appuser")  # who programs run as ("": whoever runs this)
PROJECT_MARK = _ROOT + "/opt/msc/project/current"  # links to the fingerprint of /app's project (core/manifest.py)
STATE_DIR = _ROOT + "/home/appuser/.msc"  # the program user's: warm-server state
# The run history. Root's recorder is its only writer (the program cannot alter it); sessions
# without the capabilities for that (made by older versions) keep it in the program user's folder.
RECORDS_DIR = _ROOT + "/var/lib/msc/runs"
LEGACY_RUNS_DIR = STATE_DIR + "/runs"
UNSAFE_FILE = STATE_DIR + "/warm-unsafe"  # {"format": 1, module: why it is never preloaded}
IMPORTS_DIR = STATE_DIR + "/warm-imports"  # {tag}: what a recorded run imported (a preload hint only)

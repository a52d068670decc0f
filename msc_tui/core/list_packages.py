"""Runs INSIDE a session container (copied into the image): prints the venv's packages as
JSON [name, version] pairs, leaving out the image's baseline (recorded at build time)."""

import importlib.metadata
import json
import sys

BASELINE = "/opt/msc/baseline.json"

# A distribution without a name is a half-written one (an install killed mid-way): not installed.
found = {(d.metadata["Name"], d.version) for d in importlib.metadata.distributions() if d.metadata["Name"]}
if "--baseline" not in sys.argv:
    try:
        with open(BASELINE) as f:
            found -= {tuple(pair) for pair in json.load(f)}
    except OSError:
        pass
print(json.dumps(sorted(found)))

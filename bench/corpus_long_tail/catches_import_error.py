# expect: success
# A pattern common in command-line tools: an optional backend imported by name inside a
# function, the ImportError caught and turned into advice (no traceback, no import statement).
import importlib
import sys


def backend(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        print(f"this command needs {name}: pip install {name}", file=sys.stderr)
        sys.exit(1)


np = backend("numpy")
print(np.arange(5).sum())

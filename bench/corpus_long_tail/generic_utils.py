# expect: refused
# A project's own helper module that did not travel: a generic name, never looked up on PyPI.
from utils import helper

print(helper())

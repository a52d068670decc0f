# expect: nothing installed
# The Python 2/3 compatibility idiom (as in six's documentation): StringIO with a fallback,
# and simplejson when present, else the standard json.
try:
    from StringIO import StringIO
except ImportError:
    from io import StringIO
try:
    import simplejson as json
except ImportError:
    import json

buffer = StringIO()
json.dump({"ok": True}, buffer)
print(buffer.getvalue())

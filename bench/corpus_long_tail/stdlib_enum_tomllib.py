# expect: nothing installed
# Python documentation, enum and tomllib examples: standard library only.
import enum
import tomllib


class Color(enum.Enum):
    RED = 1
    GREEN = 2


print(Color.RED, tomllib.loads('title = "TOML"')["title"])

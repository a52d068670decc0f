"""Settings: defaults < config.toml < environment, and where msc keeps its files.

MSC_HOME, when set, holds everything (config.toml, sessions.toml, session files).
Otherwise config lives in $XDG_CONFIG_HOME/msc and state in $XDG_STATE_HOME/msc.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, UsageError

APP_TYPES = ("basic_app", "gui_app", "data_app", "web_app")
NETWORK_POLICIES = ("normal", "install-only", "none")
INSTALLERS = ("auto", "uv", "pip")
CORRECTION_ANSWERS = ("verified", "bundled")


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback) / "msc"


def config_dir() -> Path:
    home = os.environ.get("MSC_HOME")
    return Path(home) if home else _xdg("XDG_CONFIG_HOME", ".config")


def state_dir() -> Path:
    home = os.environ.get("MSC_HOME")
    return Path(home) if home else _xdg("XDG_STATE_HOME", ".local/state")


@dataclass(frozen=True)
class Settings:
    """Every key of config.toml, flat, with its default. Documented in docs/configuration.md."""

    base_image: str = "python:3.11-slim"
    default_app_type: str = "basic_app"
    network: str = "normal"
    memory: str = "2g"
    disk: str = "10g"  # a run is stopped once its session has written more than this ("0": no limit)
    pids_limit: int = 512
    cpus: float = 0.0
    run_timeout: float = 0.0
    auto_install_rounds: int = 3
    correction_answers: str = "verified"  # "bundled": the bundled map only; "verified": also the long tail
    warm_imports: bool = True
    warm_idle: float = 900.0
    pool_size: int = 1  # sessions made ahead per app type ([pool] size; 0: no pool; MSC_POOL_SIZE too)
    pool_idle: float = 600.0  # the pool's sessions go after this long without a new session in the home
    agent: bool = True  # `msc run -s` through the run agent (read by cli/agent_client.py, MSC_AGENT=0 too)
    installer: str = "auto"
    index_url: str = ""
    extra_index_urls: tuple[str, ...] = ()
    wheelhouse: str = ""
    ca_bundle: str = ""
    docker_host: str = ""
    docker_context: str = ""  # `msc --context NAME` (MSC_CONTEXT): wins over every other choice
    connect_timeout: float = 3.0
    call_timeout: float = 30.0  # an engine call (or, in a long stream, a ping) unanswered this long: exit 3
    project_max_mb: int = 200  # a project folder larger than this is refused
    project_max_files: int = 20000
    keymap: tuple[tuple[str, str], ...] = ()  # TUI binding id -> keys, from [keys]
    paths: tuple[Path, Path] = field(default=(Path(), Path()), compare=False)

    @property
    def config_file(self) -> Path:
        return self.paths[0] / "config.toml"

    @property
    def state_dir(self) -> Path:
        return self.paths[1]


# config.toml groups keys in tables; each maps to one flat Settings field.
_TOML_KEYS = {
    ("image", "base"): "base_image",
    ("session", "app_type"): "default_app_type",
    ("session", "network"): "network",
    ("limits", "memory"): "memory",
    ("limits", "disk"): "disk",
    ("limits", "pids"): "pids_limit",
    ("limits", "cpus"): "cpus",
    ("run", "timeout"): "run_timeout",
    ("run", "auto_install_rounds"): "auto_install_rounds",
    ("run", "warm_imports"): "warm_imports",
    ("run", "warm_idle"): "warm_idle",
    ("run", "agent"): "agent",
    ("correction", "answers"): "correction_answers",
    ("pool", "size"): "pool_size",
    ("pool", "idle"): "pool_idle",
    ("packages", "installer"): "installer",
    ("packages", "index_url"): "index_url",
    ("packages", "extra_index_urls"): "extra_index_urls",
    ("packages", "wheelhouse"): "wheelhouse",
    ("packages", "ca_bundle"): "ca_bundle",
    ("engine", "host"): "docker_host",
    ("engine", "connect_timeout"): "connect_timeout",
    ("engine", "call_timeout"): "call_timeout",
    ("project", "max_mb"): "project_max_mb",
    ("project", "max_files"): "project_max_files",
}

_ENV_KEYS = {
    "MSC_BASE_IMAGE": "base_image",
    "MSC_CA_BUNDLE": "ca_bundle",
    "MSC_NETWORK": "network",
    "MSC_INSTALLER": "installer",
    "MSC_CONTEXT": "docker_context",
    "MSC_POOL_SIZE": "pool_size",
}

_KIND = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_CHOICES = {"default_app_type": APP_TYPES, "network": NETWORK_POLICIES, "installer": INSTALLERS,
            "correction_answers": CORRECTION_ANSWERS}


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*$", re.IGNORECASE)
MAX_SECONDS = 10_000_000.0  # about 115 days: more is a typo (and overflows the runner's clocks)
MAX_POOL_SIZE = 16  # sessions kept waiting per app type: more is a typo (each holds memory)
MIN_POOL_IDLE = 1.0
MIN_CPUS = 0.01  # Docker's smallest CPU share; less fails only when the container starts
_UPPER = {"pids_limit": 4_194_304,  # the kernel's largest pid_max
          "cpus": 1024.0, "auto_install_rounds": 100}  # more is a typo
# Docker's grammar for image references (a registry host, lower-case path, tag, digest).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(rf"(?:[a-zA-Z0-9.-]+(?::\d+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
                    r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?")
_INDEX_URL = re.compile(r"https?://[^\s/]+\S*")
_ENGINE_HOST = re.compile(r"(?:unix://\S+|(?:tcp|http|https)://(?:\[[0-9a-fA-F:.]+\]|[^\s/:\[\]]+)(?::\d{1,5})?/?|ssh://\S+)")


def parse_size(text: str, what: str = "size") -> int:
    """'512m', '2g', '1024' -> bytes; '' or '0' means no limit (0)."""
    match = _SIZE.match(text or "0")
    if not match:
        raise UsageError(f"bad {what} {text!r} (use e.g. 512m or 2g)")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " kmg".index(unit.lower() or " "))


def seconds(value, where: str) -> float | None:
    """A duration given by a user (`--timeout`, the API's `timeout`): a finite number of seconds
    from 0 (none) up to MAX_SECONDS; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{where} must be a number of seconds, not {value!r}")
    if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS:
        raise UsageError(f"{where} must be between 0 and {MAX_SECONDS:.0f} seconds, not {value!r}")
    return float(value)


def _in_range(name: str, value, bad: str):
    """The checks a type cannot say: finite numbers, limits Docker would refuse only later."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(bad + f"must be a finite number, not {value!r}")
    if isinstance(value, (int, float)) and value < 0:
        raise ConfigError(bad + f"must not be negative, not {value!r}")
    if name in ("run_timeout", "connect_timeout", "call_timeout", "warm_idle") and value > MAX_SECONDS:
        raise ConfigError(bad + f"must be at most {MAX_SECONDS:.0f} seconds, not {value!r}")
    if name == "pool_size" and value > MAX_POOL_SIZE:
        raise ConfigError(bad + f"must be at most {MAX_POOL_SIZE} (0 turns the pool off), not {value!r}")
    if name == "pool_idle" and not MIN_POOL_IDLE <= value <= MAX_SECONDS:
        raise ConfigError(bad + f"must be between {MIN_POOL_IDLE:.0f} and {MAX_SECONDS:.0f} seconds, not {value!r}")
    if name == "connect_timeout" and value == 0:
        raise ConfigError(bad + "must be more than 0 seconds")
    if name == "cpus" and 0 < value < MIN_CPUS:
        raise ConfigError(bad + f"must be 0 (all but one of the engine's) or at least {MIN_CPUS}, not {value!r}")
    if name == "pids_limit" and value < 16:
        raise ConfigError(bad + f"must be at least 16 (a Python program and pip need a few), not {value!r}")
    if name in _UPPER and value > _UPPER[name]:
        raise ConfigError(bad + f"must be at most {_UPPER[name]}, not {value!r}")
    if name in ("memory", "disk"):
        try:
            parse_size(value)
        except UsageError:
            raise ConfigError(bad + f"must be a size such as 512m or 2g (0: no limit), not {value!r}") from None


def _well_formed(name: str, value, bad: str) -> None:
    """Strings that go into a Dockerfile, an installer's command line or an engine address."""
    if name == "base_image" and not _IMAGE.fullmatch(value):
        raise ConfigError(bad + f"must be an image reference such as python:3.11-slim, not {_shown(value)}")
    urls = value if name == "extra_index_urls" else [value] if name == "index_url" and value != "none" else []
    for url in urls:
        if not _INDEX_URL.fullmatch(url):
            raise ConfigError(bad + f"must be http:// or https:// URLs, not {_shown(url)}")
    if name == "docker_host" and value and not _ENGINE_HOST.fullmatch(value):
        raise ConfigError(bad + "must be unix://PATH, tcp://HOST:PORT, http(s)://HOST:PORT or ssh://[USER@]HOST, "
                                f"not {_shown(value)}")


def _shown(value: str) -> str:
    return repr(value) if len(value) <= 60 else repr(value[:60]) + "…"


def _coerce(name: str, value, where: str):
    default = Settings.__dataclass_fields__[name].default
    key = next((".".join(k) for k, v in _TOML_KEYS.items() if v == name), name)
    bad = f"{where}: {key} "
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(bad + "must be a list of strings")
        _well_formed(name, value, bad)
        return tuple(value)
    if isinstance(default, bool) != isinstance(value, bool) or not isinstance(value, type(default)):
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        else:
            raise ConfigError(bad + f"must be {_KIND[type(default)]}, not {value!r}")
    _in_range(name, value, bad)
    if isinstance(value, str):
        _well_formed(name, value, bad)
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ConfigError(bad + f"must be one of {', '.join(_CHOICES[name])}, not {value!r}")
    return value


def _env_value(name: str, text: str, env: str):
    """An environment variable's text as its key's type (MSC_POOL_SIZE=0 is the integer 0)."""
    if type(Settings.__dataclass_fields__[name].default) is not int:
        return text
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{env} must be an integer, not {text!r}") from None


def load_settings() -> Settings:
    """Read config.toml (if any) and the environment; raise ConfigError on a bad value."""
    paths = (config_dir(), state_dir())
    values: dict = {}
    path = paths[0] / "config.toml"
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
        for table, keys in data.items():
            if not isinstance(keys, dict):
                raise ConfigError(f"{path}: {table} must be a table ([{table}])")
            if table == "keys":
                for key, value in keys.items():
                    if not isinstance(value, str):
                        raise ConfigError(f"{path}: keys.{key} must be a string such as \"f5\" or \"ctrl+r\", "
                                          f"not {value!r}")
                values["keymap"] = tuple(sorted(keys.items()))
                continue
            for key, value in keys.items():
                name = _TOML_KEYS.get((table, key))
                if name is None:
                    raise ConfigError(f"{path}: unknown key {table}.{key}")
                values[name] = _coerce(name, value, str(path))
    for env, name in _ENV_KEYS.items():
        if os.environ.get(env):
            values[name] = _coerce(name, _env_value(name, os.environ[env], env), env)
    if os.environ.get("DOCKER_HOST"):
        values["docker_host"] = os.environ["DOCKER_HOST"]
    if values.get("ca_bundle") and not Path(values["ca_bundle"]).is_file():
        raise ConfigError(f"ca_bundle: {values['ca_bundle']} is not a readable file")
    if values.get("wheelhouse") and not Path(values["wheelhouse"]).is_dir():
        # Docker would create the missing folder on the host, as root, and mount it empty.
        raise ConfigError(f"wheelhouse: {values['wheelhouse']} is not a folder")
    return Settings(**values, paths=paths)

"""Typed errors. Each carries a one-line message and the CLI exit code it maps to."""


class MscError(Exception):
    """Base of every error msc reports to a user as one line."""

    exit_code = 1


class UsageError(MscError):
    """Bad input on the command line or API (bad package spec, unknown app type...)."""

    exit_code = 2


class ConfigError(MscError):
    """A setting in config.toml or the environment has a bad value."""

    exit_code = 2


class EngineUnreachable(MscError):
    """No Docker Engine answers at the endpoint (or it went away mid-operation)."""

    exit_code = 3


class NotFound(MscError):
    """A container, session, image or file that does not exist."""

    exit_code = 4


class ContainerGone(NotFound):
    """A session's container was removed behind msc's back; `msc restore` brings it back."""


class NotRunning(MscError):
    """The container exists but is not running."""

    exit_code = 5


class CommandNotFound(MscError):
    """The program to exec does not exist inside the container."""

    exit_code = 127


class BuildFailed(MscError):
    """An image build failed; the message names the failing step, `log` holds the log's tail."""

    log: list[str] = []


class InstallFailed(MscError):
    """A package installer exited non-zero."""


class EngineError(MscError):
    """Any other error answered by the Docker Engine."""

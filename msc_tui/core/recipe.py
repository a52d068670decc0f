"""The minimal Dockerfile for an app type, and an image tag derived from its content.

The tag is a hash of everything that goes into the build (Dockerfile text and context
files), so one recipe is built once and a changed setting (base image, CA bundle, index)
yields a new tag instead of a stale image.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from .apptypes import SHORT_NAMES, SYSTEM_PACKAGES

VENV = "/opt/venv"
CACHE_DIR = "/cache"
CA_PATH = "/etc/ssl/certs/ca-certificates.crt"
APP_UID = 1000
# Installs run as their own user, the only one that can write the venv and the package cache:
# code run as appuser can read both but change neither (no session poisons another's installs).
INSTALL_USER = "installer"
INSTALL_UID = 1001
LIST_PACKAGES = "/opt/msc/list_packages.py"
# Pinned: they are part of the image's content (and so of its tag), and a new release of an
# installer should reach sessions as a change to this recipe, not silently at a rebuild.
INSTALLERS = ("pip==26.3", "setuptools==84.2.1", "wheel==0.48.0", "uv==0.13.9")


@dataclass(frozen=True)
class Recipe:
    app_type: str
    dockerfile: str
    context: dict[str, bytes]
    has_uv: bool

    @property
    def digest(self) -> str:
        h = hashlib.sha256(self.dockerfile.encode())
        for name in sorted(self.context):
            h.update(name.encode() + b"\0" + self.context[name])
        return h.hexdigest()

    @property
    def base(self) -> str:
        return self.dockerfile.split("\n", 1)[0].removeprefix("FROM ").strip()

    @property
    def tag(self) -> str:
        return f"msc-{SHORT_NAMES[self.app_type]}-{self.digest[:12]}"


def index_environment(settings: Settings, wheelhouse_path: str = "/wheelhouse") -> dict[str, str]:
    """pip's and uv's environment variables for the configured index and wheelhouse."""
    env: dict[str, str] = {}
    if settings.index_url == "none":
        env.update(PIP_NO_INDEX="1", UV_NO_INDEX="1")
    elif settings.index_url:
        env.update(PIP_INDEX_URL=settings.index_url, UV_INDEX_URL=settings.index_url)
    if settings.extra_index_urls:
        extra = " ".join(settings.extra_index_urls)
        env.update(PIP_EXTRA_INDEX_URL=extra, UV_EXTRA_INDEX_URL=extra)
    if settings.wheelhouse:
        env.update(PIP_FIND_LINKS=wheelhouse_path, UV_FIND_LINKS=wheelhouse_path)
    return env


def render(app_type: str, settings: Settings) -> Recipe:
    context = {"list_packages.py": (Path(__file__).parent / "list_packages.py").read_bytes()}
    system = ("gcc", "g++", *SYSTEM_PACKAGES[app_type])
    # Offline (index_url = "none"): the build takes nothing from an index either; the venv
    # keeps the pip its Python ships, and installs come from the wheelhouse with pip.
    offline = settings.index_url == "none"
    has_uv = settings.installer != "pip" and not offline
    lines = [
        f"FROM {settings.base_image}",
        "USER root",
        "ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1",
        f"RUN groupadd -g {APP_UID} appuser && useradd -m -u {APP_UID} -g appuser -s /bin/bash appuser"
        f" && useradd -m -u {INSTALL_UID} -U -s /usr/sbin/nologin {INSTALL_USER}",
        # A Debian python3 needs python3-venv; python:3.11-slim already has ensurepip.
        "RUN apt-get update"
        f" && apt-get install -y --no-install-recommends {' '.join(sorted(set(system)))}"
        " && (python3 -c 'import ensurepip' 2>/dev/null"
        " || apt-get install -y --no-install-recommends python3-venv)"
        " && rm -rf /var/lib/apt/lists/*",
    ]
    if settings.ca_bundle:
        # Appended to the system bundle: works for a full bundle and for a lone proxy CA.
        context["msc-ca-bundle.pem"] = Path(settings.ca_bundle).read_bytes()
        lines += [
            "COPY msc-ca-bundle.pem /usr/local/share/msc-ca-bundle.pem",
            f"RUN mkdir -p {Path(CA_PATH).parent} && cat /usr/local/share/msc-ca-bundle.pem >> {CA_PATH}",
            f"ENV SSL_CERT_FILE={CA_PATH} PIP_CERT={CA_PATH} REQUESTS_CA_BUNDLE={CA_PATH}",
        ]
    index_env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(index_environment(settings).items()))
    tools = " ".join(INSTALLERS[:None if has_uv else -1])
    upgrade = f" && {index_env + ' ' if index_env else ''}{VENV}/bin/pip install --no-cache-dir --upgrade {tools}"
    lines += [
        f"RUN python3 -m venv {VENV}" + ("" if offline else upgrade),
        f"COPY list_packages.py {LIST_PACKAGES}",
        f"RUN {VENV}/bin/python {LIST_PACKAGES} --baseline > {Path(LIST_PACKAGES).parent}/baseline.json"
        f" && mkdir -p /app {CACHE_DIR} && chown -R appuser:appuser /app"
        f" && chown -R {INSTALL_USER}:{INSTALL_USER} {CACHE_DIR} {VENV} && chmod -R go-w {CACHE_DIR} {VENV}",
        "WORKDIR /app",
        "USER appuser",
        f"ENV VIRTUAL_ENV={VENV} PATH={VENV}/bin:$PATH PIP_CACHE_DIR={CACHE_DIR}/pip"
        f" UV_CACHE_DIR={CACHE_DIR}/uv UV_LINK_MODE=copy",
        'CMD ["sleep", "infinity"]',
    ]
    return Recipe(app_type, "\n".join(lines) + "\n", context, has_uv)

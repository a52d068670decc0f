"""Container lifecycle: list, inspect, create (hardened), start, stop, remove, networks."""

from __future__ import annotations

import asyncio
import builtins
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import aiodocker

from ..config import parse_size
from ..errors import EngineError, NotFound
from .errors import engine_errors

DISCONNECT_TRIES = 5


@dataclass
class ContainerSpec:
    """What to create. Defaults are the hardened ones; callers loosen them knowingly."""

    name: str
    image: str
    labels: dict[str, str] = field(default_factory=dict)
    command: list[str] = field(default_factory=lambda: ["sleep", "infinity"])
    user: str = "appuser"
    workdir: str = "/app"
    env: dict[str, str] = field(default_factory=dict)
    memory: str = "2g"
    pids_limit: int = 512
    cpus: float = 0.0
    network: str = "bridge"
    volumes: dict[str, str] = field(default_factory=dict)  # volume name -> mount path
    volume_labels: dict[str, str] = field(default_factory=dict)  # given to volumes this creates
    binds: list[str] = field(default_factory=list)  # "host path:container path[:ro]"
    hostname: str = ""
    cap_add: list[str] = field(default_factory=list)  # given back after dropping all (root's alone)

    def to_api(self) -> dict:
        host = {
            "CapDrop": ["ALL"],
            "CapAdd": self.cap_add or None,
            "SecurityOpt": ["no-new-privileges"],
            "Init": True,
            "PidsLimit": self.pids_limit or None,
            "Memory": parse_size(self.memory, "memory size"),
            "NetworkMode": self.network,
            "Mounts": [{"Type": "volume", "Source": s, "Target": t, "VolumeOptions": {"Labels": self.volume_labels}}
                       for s, t in self.volumes.items()],
            "Binds": self.binds or None,
        }
        if self.cpus:
            host["NanoCpus"] = int(self.cpus * 1e9)
        return {
            "Image": self.image,
            "Cmd": self.command,
            "User": self.user,
            "WorkingDir": self.workdir,
            "Env": [f"{k}={v}" for k, v in self.env.items()],
            "Labels": self.labels,
            "HostConfig": host,
            **({"Hostname": self.hostname} if self.hostname else {}),
        }


@dataclass
class ContainerInfo:
    id: str
    name: str
    image: str
    status: str  # created, running, exited, paused, ...
    labels: dict[str, str]
    created: float  # epoch seconds
    size_rw: int | None = None
    networks: tuple[str, ...] = ()
    image_id: str = ""
    volumes: tuple[str, ...] = ()  # named volumes it mounts
    limits: dict = field(default_factory=dict)  # memory (bytes), pids, cpus; from inspect only
    mounts: tuple[str, ...] = ()  # "source -> target (ro)", from inspect only

    @property
    def running(self) -> bool:
        return self.status == "running"


def short_image_name(name: str) -> str:
    """An image's name as msc gave it: Podman calls a local build docker.io/library/NAME and a
    loaded image localhost/NAME."""
    return name.removeprefix("docker.io/library/").removeprefix("localhost/")


def _from_summary(raw: dict) -> ContainerInfo:
    return ContainerInfo(
        id=raw["Id"],
        name=(raw.get("Names") or ["/?"])[0].lstrip("/"),
        image=short_image_name(raw.get("Image", "")),
        status=raw.get("State", ""),
        labels=raw.get("Labels") or {},
        created=float(raw.get("Created", 0)),
        size_rw=raw.get("SizeRw"),
        networks=tuple((raw.get("NetworkSettings") or {}).get("Networks") or {}),
        image_id=raw.get("ImageID", ""),
        volumes=tuple(m["Name"] for m in raw.get("Mounts") or [] if m.get("Type") == "volume"),
    )


def _from_inspect(raw: dict) -> ContainerInfo:
    created = raw.get("Created", "")
    # Docker gives nanoseconds; fromisoformat takes at most microseconds.
    created = re.sub(r"(\.\d{6})\d*", r"\1", created).replace("Z", "+00:00")
    host = raw.get("HostConfig") or {}
    return ContainerInfo(
        id=raw["Id"],
        name=raw.get("Name", "").lstrip("/"),
        image=short_image_name(raw.get("Config", {}).get("Image", "")),
        status=raw.get("State", {}).get("Status", ""),
        labels=raw.get("Config", {}).get("Labels") or {},
        created=datetime.fromisoformat(created).timestamp() if created else 0.0,
        size_rw=raw.get("SizeRw"),
        networks=tuple((raw.get("NetworkSettings") or {}).get("Networks") or {}),
        limits={"memory": host.get("Memory") or 0, "pids": host.get("PidsLimit") or 0,
                "cpus": (host.get("NanoCpus") or 0) / 1e9},
        mounts=tuple(f"{m.get('Name') or m.get('Source')} -> {m.get('Destination')}{'' if m.get('RW') else ' (ro)'}"
                     for m in raw.get("Mounts") or []),
    )


class Containers:
    def __init__(self, docker: aiodocker.Docker, endpoint: str):
        self._docker = docker
        self._endpoint = endpoint

    def _errors(self, what: str):
        return engine_errors(what, self._endpoint)

    async def list(self, label: str | None = None, size: bool = False) -> list[ContainerInfo]:
        """All containers (running or not); only those carrying `label` when given."""
        params: dict = {"all": 1}
        if label:
            params["filters"] = json.dumps({"label": [label]})
        if size:
            params["size"] = 1
        with self._errors("containers"):
            raw = await self._docker._query_json("containers/json", method="GET", params=params)
        return [_from_summary(r) for r in raw]

    async def exists(self, name: str) -> bool:
        try:
            await self.inspect(name)
        except NotFound:
            return False
        return True

    async def inspect(self, name: str, size: bool = False) -> ContainerInfo:
        with self._errors(f"container {name}"):
            raw = await self._docker.containers.get(name, **({"size": 1} if size else {}))
        return _from_inspect(raw._container)

    async def processes(self, name: str) -> builtins.list[tuple[int, str]]:  # (list: the method above)
        """(resident memory in bytes, command line) of each process in a running container."""
        with self._errors(f"container {name}"):
            # The engine needs the pid column; -ww: whole command lines, whatever dockerd's terminal width.
            top = await self._docker.containers.container(name).top(ps_args="-ww -o pid,rss,args")
        return [(int(row[1]) * 1024 if row[1].isdigit() else 0, row[2]) for row in top.get("Processes") or []]

    async def create(self, spec: ContainerSpec) -> str:
        with self._errors(f"container {spec.name}"):
            container = await self._docker.containers.create(spec.to_api(), name=spec.name)
        return container.id

    async def start(self, name: str) -> None:
        with self._errors(f"container {name}"):
            await self._docker.containers.container(name).start()

    async def stop(self, name: str, timeout: int = 5) -> None:
        with self._errors(f"container {name}"):
            await self._docker.containers.container(name).stop(t=timeout)

    async def remove(self, name: str) -> None:
        with self._errors(f"container {name}"):
            await self._docker.containers.container(name).delete(force=True, v=False)

    async def connect_network(self, name: str, network: str = "bridge") -> None:
        with self._errors(f"network {network}"):
            await (await self._docker.networks.get(network)).connect({"Container": name})

    async def disconnect_network(self, name: str, network: str = "bridge") -> None:
        """Done when the container no longer lists the network. Under load, dockerd 20.10 may say
        "is not connected" for a container it has just started on that network: look, and retry."""
        for attempt in range(DISCONNECT_TRIES):
            try:
                with self._errors(f"network {network}"):
                    await (await self._docker.networks.get(network)).disconnect({"Container": name, "Force": True})
                return
            except EngineError as exc:
                if "is not connected" not in str(exc) or attempt == DISCONNECT_TRIES - 1:
                    raise
            if network not in (await self.inspect(name)).networks:
                return
            await asyncio.sleep(0.2)

"""What the engine's disk holds (its `system df`), and freeing it: images and volumes."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime

import aiodocker
from aiodocker.volumes import DockerVolume

from .containers import ContainerInfo, _from_summary, short_image_name
from .errors import engine_errors

DF_BUSY_S = 60.0


@dataclass
class ImageInfo:
    id: str
    tags: list[str]
    labels: dict[str, str]
    created: float
    size: int
    unique_size: int  # what removing it frees: the layers no other image shares
    containers: int  # containers (of anyone) using it


@dataclass
class VolumeInfo:
    name: str
    labels: dict[str, str]
    created: float
    size: int | None
    containers: int


@dataclass
class DiskUsage:
    containers: list[ContainerInfo] = field(default_factory=list)
    images: list[ImageInfo] = field(default_factory=list)
    volumes: list[VolumeInfo] = field(default_factory=list)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else 0.0


class Storage:
    def __init__(self, docker: aiodocker.Docker, endpoint: str, podman: bool = False):
        self._docker = docker
        self._endpoint = endpoint
        self._podman = podman

    async def usage(self) -> DiskUsage:
        """One `system df`: every container, image and volume with its size."""
        with engine_errors("disk usage", self._endpoint):
            raw = await self._system_df()
            if self._podman:  # Podman 4.3's df leaves out labels (and image names): take the lists'
                raw = await self._with_podmans_labels(raw)
        images = [ImageInfo(
            id=i["Id"], tags=[short_image_name(t) for t in i.get("RepoTags") or [] if t != "<none>:<none>"],
            labels=i.get("Labels") or {}, created=float(i.get("Created", 0)), size=i.get("Size", 0),
            unique_size=i.get("Size", 0) - max(i.get("SharedSize", 0), 0), containers=max(i.get("Containers", 0), 0),
        ) for i in raw.get("Images") or []]
        volumes = [VolumeInfo(
            name=v["Name"], labels=v.get("Labels") or {}, created=_epoch(v.get("CreatedAt", "")),
            size=(v.get("UsageData") or {}).get("Size"),
            containers=max((v.get("UsageData") or {}).get("RefCount", 0), 0),
        ) for v in raw.get("Volumes") or []]
        return DiskUsage([_from_summary(c) for c in raw.get("Containers") or []], images, volumes)

    async def _system_df(self) -> dict:
        """Docker answers one `system df` at a time ("a disk usage operation is already running"
        to the second, say the TUI's and a CLI's): wait for the other one, up to a minute."""
        deadline = time.monotonic() + DF_BUSY_S
        while True:
            try:
                return await self._docker._query_json("system/df", method="GET")
            except aiodocker.DockerError as exc:
                busy = "disk usage operation is already running" in str(exc.message)  # (500 from 20.10, 409 later)
                if not busy or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.25)

    async def _with_podmans_labels(self, raw: dict) -> dict:
        query = self._docker._query_json
        labels = {v["Name"]: v.get("Labels") or {} for v in (await query("volumes", method="GET")).get("Volumes") or []}
        for volume in raw.get("Volumes") or []:
            volume["Labels"] = labels.get(volume["Name"], {})
        return {**raw, "Containers": await query("containers/json", method="GET", params={"all": "1", "size": "1"}),
                "Images": await query("images/json", method="GET")}

    async def remove_image(self, image_id: str) -> None:
        """Refused by the engine (an error) while any container uses it."""
        with engine_errors(f"image {image_id[:19]}", self._endpoint):
            await self._docker.images.delete(image_id, force=False, noprune=False)

    async def remove_volume(self, name: str) -> None:
        with engine_errors(f"volume {name}", self._endpoint):
            await DockerVolume(self._docker, name).delete()


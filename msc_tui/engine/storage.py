"""What the engine's disk holds (its `system df`), and freeing it: images and volumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import aiodocker
from aiodocker.volumes import DockerVolume

from .containers import ContainerInfo, _from_summary
from .errors import engine_errors


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
    def __init__(self, docker: aiodocker.Docker, endpoint: str):
        self._docker = docker
        self._endpoint = endpoint

    async def usage(self) -> DiskUsage:
        """One `system df`: every container, image and volume with its size."""
        with engine_errors("disk usage", self._endpoint):
            raw = await self._docker._query_json("system/df", method="GET")
        images = [ImageInfo(
            id=i["Id"], tags=[t for t in i.get("RepoTags") or [] if t != "<none>:<none>"],
            labels=i.get("Labels") or {}, created=float(i.get("Created", 0)), size=i.get("Size", 0),
            unique_size=i.get("Size", 0) - max(i.get("SharedSize", 0), 0), containers=max(i.get("Containers", 0), 0),
        ) for i in raw.get("Images") or []]
        volumes = [VolumeInfo(
            name=v["Name"], labels=v.get("Labels") or {}, created=_epoch(v.get("CreatedAt", "")),
            size=(v.get("UsageData") or {}).get("Size"),
            containers=max((v.get("UsageData") or {}).get("RefCount", 0), 0),
        ) for v in raw.get("Volumes") or []]
        return DiskUsage([_from_summary(c) for c in raw.get("Containers") or []], images, volumes)

    async def remove_image(self, image_id: str) -> None:
        """Refused by the engine (an error) while any container uses it."""
        with engine_errors(f"image {image_id[:19]}", self._endpoint):
            await self._docker.images.delete(image_id, force=False, noprune=False)

    async def remove_volume(self, name: str) -> None:
        with engine_errors(f"volume {name}", self._endpoint):
            await DockerVolume(self._docker, name).delete()


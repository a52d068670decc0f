"""Build once: an app type's image is built only when its content-hashed tag is absent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..engine import Engine
from ..errors import BuildFailed
from .recipe import Recipe


@dataclass
class ImageResult:
    tag: str
    built: bool  # False: answered from the existing image


async def ensure_image(engine: Engine, recipe: Recipe, on_log: Callable[[str], None] | None = None) -> ImageResult:
    if await engine.images.exists(recipe.tag):
        return ImageResult(recipe.tag, built=False)
    try:
        async with engine.answering():
            await engine.images.build(recipe.dockerfile, recipe.context, recipe.tag, on_log or (lambda line: None),
                                      labels={"msc.app_type": recipe.app_type, "msc.recipe": recipe.digest})
    except BuildFailed as exc:
        if any("CERTIFICATE_VERIFY_FAILED" in line for line in exc.log):
            raise BuildFailed(f"{exc} -- behind a TLS-intercepting proxy set packages.ca_bundle "
                              "or MSC_CA_BUNDLE to your CA bundle") from None
        if not await engine.images.exists(recipe.base):  # the pull of the base failed: no registry, or a typo
            raise BuildFailed(f"{exc} -- the base image {recipe.base} is not on this engine and could not be "
                              "pulled: pull or load it, or set [image] base or MSC_BASE_IMAGE to an image "
                              "the engine has") from None
        raise
    return ImageResult(recipe.tag, built=True)

"""Wheels made on the spot: tests that install from an index or a wheelhouse of their own need no network."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile


def wheel(name: str, version: str, code: str) -> tuple[str, bytes]:
    """A minimal pure-Python wheel: the module, METADATA, WHEEL and a RECORD with hashes."""
    info = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": code.encode(),
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: msc-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
                     f"{len(data)}\n" for path, data in files.items()) + f"{info}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in {**files, f"{info}/RECORD": record.encode()}.items():
            archive.writestr(path, data)
    return f"{name}-{version}-py3-none-any.whl", buffer.getvalue()

"""Asked inside a session (python3 -I, standard library only): what the package index says
about some projects. Reads {"index": URL, "projects": [{"name": N, "inspect": bool}],
"max_bytes": B} from argv[1]; prints {N: facts}. Facts: the project's name, its releases'
files with upload times (PEP 691 JSON, PEP 700 times), and, when asked, the top-level
modules its newest release's file provides (a wheel's entries, else the sdist's packages,
modules and egg-info top_level.txt). It decides nothing: core/long_tail.py does, on the
host. It runs where installs run, so the index URL, proxy and CA bundle are the installer's.
"""

import io
import json
import re
import sys
import tarfile
import urllib.parse
import urllib.request
import zipfile

ACCEPT = "application/vnd.pypi.simple.v1+json"
PRE = re.compile(r"(a|b|rc|dev|alpha|beta|c)\d*", re.IGNORECASE)
SDIST = (".tar.gz", ".zip", ".tar.bz2", ".tgz")
TOP_LEVEL_BYTES = 65536  # a top_level.txt is a few names; a compressed bomb is read no further


def version_of(filename):
    if filename.endswith(".whl"):
        return filename.split("-")[1]
    for suffix in SDIST:
        if filename.endswith(suffix):
            return filename[:-len(suffix)].rpartition("-")[2]
    return None


def newest_file(files):
    """The newest stable release's wheel (a pure one first), else its sdist."""
    usable = [f for f in files if not f.get("yanked") and version_of(f["filename"])
              and not PRE.search(version_of(f["filename"]) or "")]
    if not usable:
        return None
    newest = max(usable, key=lambda f: f.get("upload-time") or "")
    release = [f for f in usable if version_of(f["filename"]) == version_of(newest["filename"])]
    wheels = sorted((f for f in release if f["filename"].endswith(".whl")),
                    key=lambda f: not f["filename"].endswith("-none-any.whl"))
    sdists = [f for f in release if f["filename"].endswith(SDIST)]
    return (wheels or sdists or [None])[0]


def wheel_tops(archive):
    tops = set()
    for entry in archive.namelist():
        parts = entry.split("/")
        if parts[0].endswith(".dist-info"):
            if parts[-1] == "top_level.txt":
                tops.update(archive.open(entry).read(TOP_LEVEL_BYTES).decode("utf-8", "replace").split())
            continue
        if parts[0].endswith(".data"):
            parts = parts[2:] if len(parts) > 3 and parts[1] in ("purelib", "platlib") else []
        if len(parts) > 1:
            tops.add(parts[0])
        elif parts and parts[0]:
            tops.add(parts[0].split(".")[0])
    return tops


def sdist_tops(names, read):
    tops = set()
    for entry in names:
        parts = entry.split("/")[1:]  # below the sdist's own root folder
        if parts[:1] == ["src"]:
            parts = parts[1:]
        if len(parts) == 2 and parts[1] == "__init__.py":
            tops.add(parts[0])
        elif len(parts) == 1 and parts[0].endswith(".py") and parts[0] != "setup.py":
            tops.add(parts[0][:-3])
        elif len(parts) == 2 and parts[0].endswith(".egg-info") and parts[1] == "top_level.txt":
            tops.update(read(entry).decode("utf-8", "replace").split())
    return tops


def provided(data, filename):
    if filename.endswith(".whl") or filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if filename.endswith(".whl"):
                return wheel_tops(archive)
            return sdist_tops(archive.namelist(), lambda name: archive.open(name).read(TOP_LEVEL_BYTES))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = {m.name: m for m in archive.getmembers() if m.isfile()}
        return sdist_tops(list(members),
                          lambda name: archive.extractfile(members[name]).read(TOP_LEVEL_BYTES))  # type: ignore[union-attr]


def get(url, max_bytes, accept=None):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=30) as answer:
        data = answer.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ValueError(f"more than {max_bytes} bytes")
        return data, answer.headers.get("Content-Type", ""), answer.geturl()


def facts(index, name, inspect, max_bytes):
    page = f"{index.rstrip('/')}/{name}/"
    data, kind, where = get(page, 20_000_000, ACCEPT)
    if "json" not in kind:
        return {"error": "the index does not answer in JSON (PEP 691)"}
    project = json.loads(data)
    files = [{"filename": f["filename"], "upload_time": f.get("upload-time"), "yanked": bool(f.get("yanked"))}
             for f in project.get("files", [])]
    found = {"name": project.get("name"), "versions": project.get("versions", []), "files": files}
    if inspect:
        chosen = newest_file(project.get("files", []))
        if chosen is None:
            found["error"] = "no stable release with a wheel or an sdist"
        elif (chosen.get("size") or 0) > max_bytes:
            found["error"] = f"{chosen['filename']} is larger than {max_bytes // 1_000_000} MB: not inspected"
        else:
            content = get(urllib.parse.urljoin(where, chosen["url"]), max_bytes)[0]
            found["inspected"] = chosen["filename"]
            found["top_level"] = sorted(provided(content, chosen["filename"]))
    return found


def main():
    asked = json.loads(sys.argv[1])
    answers = {}
    for project in asked["projects"]:
        try:
            answers[project["name"]] = facts(asked["index"], project["name"], project["inspect"], asked["max_bytes"])
        except Exception as exc:  # one project's failure is its answer, not the others'
            answers[project["name"]] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    print(json.dumps(answers))


if __name__ == "__main__":
    main()

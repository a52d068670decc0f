"""A script's project: the folder `msc run` mirrors into the session's /app.

The project is the nearest folder upward from the script that holds `.git` or
`pyproject.toml`, else the script's own folder; never a home folder, a folder above one, `/`
or the temp folder (core/travel.py: a script there travels alone with its local imports).
Everything in it travels except what `.gitignore` ignores (in a git repository), `.git/`,
virtual environments, caches, `node_modules`, credentials, msc's own state and what a
`.mscignore` names, so `open("data.csv")` and `import helpers` work as with `python app.py`.
Also here: reading code as Python does, and the local modules a script imports (what the
correction flow reads for imports).
"""

from __future__ import annotations

import fnmatch
import os
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import NotFound, UsageError
from ..formatting import plural
from .apptypes import imported_modules
from .imports import local_modules
from .travel import OutputFiles, is_credential, never_a_project, own_state_inside

MAX_BYTES = 5 * 1024 * 1024  # all the local modules sent along
MAX_SOURCE = 5 * 1024 * 1024  # one script


def decode_source(data: bytes, where: str) -> str:
    """Code as Python reads it: UTF-8, a BOM allowed; anything else is one clear line."""
    if len(data) > MAX_SOURCE:
        raise UsageError(f"{where}: over {MAX_SOURCE // 2**20} MiB, not a script msc runs")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{where}: not a UTF-8 Python source file") from None


def read_source(path: Path) -> str:
    try:
        if not path.is_file():  # a folder, /dev/zero, a pipe: nothing python would run as a script
            raise NotFound(f"no such file: {path}") if not path.exists() else \
                UsageError(f"{path}: not a regular file")
        with path.open("rb") as source:
            return decode_source(source.read(MAX_SOURCE + 1), str(path))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None


def companions(entry: Path) -> dict[str, str]:
    """{path relative to the script's folder: code} for every local module it needs."""
    folder = entry.resolve().parent
    local = set(local_modules(folder)) - {entry.stem}
    found: dict[str, str] = {}
    pending, seen = [read_source(entry)], set[str]()
    while pending:
        for name in sorted((imported_modules(pending.pop()) & local) - seen):
            seen.add(name)
            module = folder / f"{name}.py"
            for path in [module] if module.is_file() else sorted((folder / name).rglob("*.py")):
                code = read_source(path)
                found[path.relative_to(folder).as_posix()] = code
                pending.append(code)
    if sum(len(code.encode()) for code in found.values()) > MAX_BYTES:
        raise UsageError(f"the local modules {entry.name} imports exceed {MAX_BYTES // 2**20} MiB; "
                         "run from a smaller folder")
    return found


LEFT_OUT = frozenset({".git", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".nox", ".mypy_cache",
                      ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints", ".DS_Store"})

FileStat = tuple[int, int, int]  # size, mtime_ns, permission bits


@dataclass
class Project:
    root: Path
    why: str  # "git repository", "pyproject.toml", "the script's folder", or why the script travels alone
    files: dict[str, FileStat]  # path relative to root (posix) -> its stat as scanned
    script: str  # the script, relative to root
    cwd: str  # the program's working directory, relative to root ("" for the root)
    links_out: list[str] = field(default_factory=list)  # symlinks pointing outside: not followed
    left_out: list[str] = field(default_factory=list)  # credentials and msc's own files: never sent
    alone: bool = False  # the script's folder never travels (a home folder, /tmp): the script and its imports

    def path(self, name: str) -> str:
        return f"{self.root}/{name}"


def find_root(script: Path) -> tuple[Path, str]:
    folder = script.resolve().parent
    refused = never_a_project(folder)
    if refused:
        return folder, refused
    for candidate in [folder, *folder.parents]:
        if never_a_project(candidate):  # a dotfiles repository in ~ is not the project
            break
        if (candidate / ".git").exists():
            return candidate, "git repository"
        if (candidate / "pyproject.toml").is_file():
            return candidate, "pyproject.toml"
    return folder, "the script's folder"


def _ignore_patterns(root: Path) -> list[str]:
    try:
        lines = (root / ".mscignore").read_text().splitlines()
    except OSError:
        return []
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


class _Rules:
    """What of the project stays home: tool folders, credentials, msc's own state, .mscignore."""

    def __init__(self, root: Path):
        self.patterns = _ignore_patterns(root)
        self.own = set(own_state_inside(root))
        self.left_out: set[str] = set()  # what was left out for safety, said to the user

    def skip_entry(self, relative: str, name: str) -> bool:
        """One folder or file, its parent folders checked already."""
        if name in LEFT_OUT:
            return True
        if is_credential(name) or (self.own and relative in self.own):
            self.left_out.add(relative)
            return True
        return bool(self.patterns) and any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p)
                                           for p in self.patterns)

    def skip(self, relative: str) -> bool:
        """A path from git's list: each of its parts."""
        parts = relative.split("/")
        return any(self.skip_entry("/".join(parts[:i + 1]), parts[i]) for i in range(len(parts)))


def _git_files(root: Path) -> list[str] | None:
    """Tracked and untracked files git does not ignore; None when git cannot say."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if listed.returncode != 0:
        return None
    return [name for name in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if name]


def _walked_files(root: Path, rules: _Rules) -> list[tuple[str, os.stat_result | None]]:
    """(name, lstat) of every file under root, left-out folders not entered (one stat per file)."""
    found: list[tuple[str, os.stat_result | None]] = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = prefix + entry.name
                if rules.skip_entry(name, entry.name):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                        walk(entry.path, name + "/")
                else:
                    try:
                        found.append((name, entry.stat(follow_symlinks=False)))
                    except OSError:  # gone meanwhile
                        continue
    walk(str(root), "")
    return found


def _listed(root: Path, why: str, rules: _Rules) -> list[tuple[str, os.stat_result | None]]:
    names = _git_files(root) if why == "git repository" else None
    if names is None:
        return _walked_files(root, rules)
    venvs = {n.split("/")[0] for n in names if n.endswith("pyvenv.cfg") and n.count("/") == 1}
    return [(n, None) for n in names if not (venvs and n.split("/")[0] in venvs)]


def scan_project(script: Path, max_mb: int, max_files: int, cwd: Path | None = None,
                 outputs: OutputFiles = frozenset()) -> Project:
    """The project of a script, refused (one line naming the limit and the largest folders)
    when it is larger than the limits. One stat per file (kept for the mirror). `outputs`:
    the files msc's own stdout and stderr go to, never sent."""
    root, why = find_root(script)
    script_rel = script.resolve().relative_to(root).as_posix()
    rules = _Rules(root)
    alone = why not in ("git repository", "pyproject.toml", "the script's folder")
    if alone:  # the script and the local modules it imports, nothing else of the folder
        listed: list[tuple[str, os.stat_result | None]] = [(name, None) for name in [script_rel, *companions(script)]]
    else:
        listed = _listed(root, why, rules)
    files: dict[str, FileStat] = {}
    outside: list[str] = []
    for name, info in listed:
        if info is None or stat.S_ISLNK(info.st_mode):  # not stat'ed yet (git's list), or a link
            if info is None and rules.skip(name):
                continue
            path = f"{root}/{name}"
            try:
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    if not Path(path).resolve().is_relative_to(root):
                        outside.append(name)  # never follow a link out of the project
                        continue
                    info = os.stat(path)
            except (OSError, RuntimeError):  # gone meanwhile, a dangling link, a loop of links (pathlib's RuntimeError)
                continue
        if stat.S_ISREG(info.st_mode) and (info.st_dev, info.st_ino) not in outputs:
            files[name] = (info.st_size, info.st_mtime_ns, info.st_mode & 0o777)
    if script_rel not in files:
        info = script.resolve().stat()
        files[script_rel] = (info.st_size, info.st_mtime_ns, info.st_mode & 0o777)
    project = Project(root, why, files, script_rel, _working_dir(root, script, cwd or Path.cwd()), outside,
                      sorted(rules.left_out), alone)
    total = sum(size for size, _, _ in files.values())
    if len(files) > max_files or total > max_mb * 2**20:
        biggest = _largest_folders(files)
        raise UsageError(f"the project {root} ({why}) has {plural(len(files), 'file')}, {total / 2**20:.0f} MiB: "
                         f"over the limit of {max_files} files or {max_mb} MiB ([project] max_files, max_mb); "
                         f"largest folders: {biggest}; a .mscignore there leaves folders out")
    return project


def _working_dir(root: Path, script: Path, cwd: Path) -> str:
    """As `python path/app.py` would have it: where msc was started, when that is in the
    project, else the script's folder."""
    cwd = cwd.resolve()
    base = cwd if cwd == root or root in cwd.parents else script.resolve().parent
    relative = base.relative_to(root).as_posix()
    return "" if relative == "." else relative


def _largest_folders(files: dict[str, FileStat]) -> str:
    sizes: dict[str, int] = {}
    for name, (size, _, _) in files.items():
        top = PurePosixPath(name).parts[0] if len(PurePosixPath(name).parts) > 1 else "."
        sizes[top] = sizes.get(top, 0) + size
    return ", ".join(f"{name}/ {size / 2**20:.0f} MiB" for name, size in sorted(sizes.items(), key=lambda i: -i[1])[:3])

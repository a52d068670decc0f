"""What a run says about its project: one line each, and only when something travelled, was
left out or was replaced (scripts and agents read stderr: a rerun with nothing to say is quiet)."""

from __future__ import annotations

from ..formatting import plural, size
from .project import Project

SHOWN = 5  # names listed in a line before "..."


def _names(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (f", ... ({len(names) - SHOWN} more)" if len(names) > SHOWN else "")


def project_notes(done: dict, project: Project, by: str) -> list[str]:
    """The lines for a sync's result (`done`, from Mirror.sync), without the "msc: " prefix."""
    moved = bool(done["sent_files"] or done["deleted"])
    if not moved and not done["replaced"]:
        return []
    lines = []
    if project.alone:
        lines.append(f"project: {project.root} is {project.why}, which never travels: only {project.script} "
                     f"and the local modules it imports ({plural(len(project.files), 'file')})")
    else:
        gone = f", {len(done['deleted'])} deleted" if done["deleted"] else ""
        lines.append(f"project {project.root} ({project.why}): sent {done['sent_files']} of "
                     f"{plural(done['files'], 'file')} ({size(done['sent_bytes'])}){gone}, running "
                     f"{project.script} in /app/{project.cwd}")
    replaced = done["replaced"]
    if replaced:
        who = replaced["by"] if replaced["by"] != by else f"you (from {replaced['root']})"
        for verb, names in (("replaced", replaced["files"]), ("deleted", replaced["deleted"])):
            if names:
                lines.append(f"project: {verb} {plural(len(names), 'file')} {who} sent: {_names(names)}")
    if project.left_out:
        lines.append(f"project: left out (credentials and msc's own files never travel): {_names(project.left_out)}")
    if project.links_out:
        lines.append(f"not followed (links out of the project): {_names(project.links_out)}")
    return lines

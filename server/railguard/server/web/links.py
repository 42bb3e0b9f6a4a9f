"""Links from a stack frame to its source: the repository's web view at the event's commit, and
the editor clients' "open this file at this line" URIs (documented in docs/WEB.md)."""

from __future__ import annotations

from urllib.parse import quote, urlencode


def source_url(
    repository: str, commit: str | None, path: str | None, line: int | None
) -> str | None:
    """The file at `commit` on GitHub, GitLab or Bitbucket (also self-hosted GitLab and GitHub
    Enterprise hosts named like them); None when the host or the commit is unknown."""
    if not commit or not path:
        return None
    host, _, rest = repository.partition("/")
    file = quote(path.lstrip("/"))
    anchor = ""
    if "bitbucket" in host:
        anchor = f"#lines-{line}" if line else ""
        return f"https://{host}/{rest}/src/{commit}/{file}{anchor}"
    if "gitlab" in host:
        anchor = f"#L{line}" if line else ""
        return f"https://{host}/{rest}/-/blob/{commit}/{file}{anchor}"
    if "github" in host:
        anchor = f"#L{line}" if line else ""
        return f"https://{host}/{rest}/blob/{commit}/{file}{anchor}"
    return None


def vscode_url(repository: str, path: str, line: int | None, incident_id: int) -> str:
    """`vscode://railguard.railguard/open?...`: the VS Code extension's URI handler opens the
    workspace folder whose origin is `repository`, at `path` and `line`."""
    query = {"repository": repository, "path": path, "incident": str(incident_id)}
    if line:
        query["line"] = str(line)
    return "vscode://railguard.railguard/open?" + urlencode(query)


def neovim_command(path: str, line: int | None, incident_id: int) -> str:
    """The Neovim plugin's `:Railguard goto` for the same jump, to paste into Neovim."""
    return f":Railguard goto {incident_id} {path}" + (f":{line}" if line else "")

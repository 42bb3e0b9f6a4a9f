"""Which project a file belongs to: multi-root workspaces and monorepo subfolders, end to end
against a running backend."""

from __future__ import annotations

from pathlib import Path

from lspkit import open_file, wait_diagnostics
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from support import ServedBackend
from workspace import commit_files, git, new_tenant

SERVICE = """\
def handle(request):
    user = request["user"]
    return user["name"]
"""


async def _init(client: LanguageClient, folders: list[Path], options: dict[str, object]) -> None:
    spec = getattr(client, "client_spec", "visual-studio-code")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(spec),
            root_uri=folders[0].as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders],
            initialization_options=options,
        )
    )


async def test_multi_root_workspace_matches_each_folder_to_its_project(
    client: LanguageClient, served_backend: ServedBackend, tmp_path: Path
) -> None:
    shop = await new_tenant(served_backend.url, "github.com/acme/shop")
    # The same person is a member of the second project too: one token sees both.
    billing_repo, shop_repo = tmp_path / "billing", tmp_path / "shop"
    shop_sha = commit_files(shop_repo, {"app/handler.py": SERVICE})
    git(shop_repo, "remote", "add", "origin", "https://github.com/acme/shop.git")
    billing_sha = commit_files(billing_repo, {"billing/handler.py": SERVICE})
    git(billing_repo, "remote", "add", "origin", "ssh://git@github.com:22/acme/billing.git")
    billing = await shop.add_project("github.com/acme/billing")

    await shop.report(path="app/handler.py", line=2, commit=shop_sha,
                      context_line='    user = request["user"]')  # fmt: skip
    await billing.report(path="billing/handler.py", line=3, commit=billing_sha,
                         context_line='    return user["name"]')  # fmt: skip

    await _init(client, [shop_repo, billing_repo],
                {"serverUrl": shop.base_url, "token": shop.token})  # fmt: skip
    shop_uri = open_file(client, shop_repo / "app" / "handler.py")
    billing_uri = open_file(client, billing_repo / "billing" / "handler.py")
    (shop_diag,) = await wait_diagnostics(client, shop_uri, lambda d: len(d) == 1)
    (billing_diag,) = await wait_diagnostics(client, billing_uri, lambda d: len(d) == 1)
    assert shop_diag.range.start.line == 1
    assert billing_diag.range.start.line == 2


async def test_monorepo_subfolder_workspace(
    client: LanguageClient, served_backend: ServedBackend, tmp_path: Path
) -> None:
    tenant = await new_tenant(served_backend.url, "github.com/acme/platform")
    repo = tmp_path / "platform"
    sha = commit_files(repo, {"services/api/handler.py": SERVICE, "services/web/x.py": "x = 1\n"})
    git(repo, "remote", "add", "origin", "git@github.com:acme/platform.git")
    await tenant.report(path="services/api/handler.py", line=3, commit=sha,
                        context_line='    return user["name"]')  # fmt: skip

    folder = repo / "services" / "api"  # the editor opened only this subfolder
    await _init(client, [folder], {"serverUrl": tenant.base_url, "token": tenant.token})
    uri = open_file(client, folder / "handler.py")
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 2

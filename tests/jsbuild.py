"""What the source map tests share: the pinned npm tools (esbuild, webpack, @sentry/cli, the SDKs in
tests/sourcemaps/node), the app in tests/sourcemaps/app committed to a repository, its bundle,
and running it under `@sentry/node`."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from workspace import commit_files

NODE = Path(__file__).resolve().parent / "sourcemaps" / "node"
APP = Path(__file__).resolve().parent / "sourcemaps" / "app"
THROW_LINE = 5  # src/billing.js: `throw new Error(...)`

RUN = """\
const Sentry = require("@sentry/node");
Sentry.init({ dsn: process.argv[2], release: process.argv[3] });
const { checkout } = require("./dist/main.js");

async function main() {
  try {
    checkout({ owner: "ada", amount: 3 });
  } catch (err) {
    Sentry.captureException(err);
  }
  if (!(await Sentry.flush(10000))) process.exit(2);
}
main();
"""


@pytest.fixture(scope="module", name="node_modules")
def node_modules_fixture() -> Path:
    """esbuild, @sentry/cli and the SDKs, pinned in tests/sourcemaps/node (`make setup-js`)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are required for the source map tests")
    modules = NODE / "node_modules"
    if not (modules / ".bin" / "esbuild").exists():
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip
        if proc.returncode != 0:
            pytest.fail(f"npm ci failed:\n{proc.stdout}\n{proc.stderr}")
    return modules


def app_repo(repo: Path) -> str:
    """The app's sources committed in `repo`; the new HEAD."""
    files = {f"src/{p.name}": p.read_text() for p in (APP / "src").glob("*.js")}
    files["index.js"] = 'export { checkout } from "./src/checkout.js";\n'
    files["run.js"] = RUN
    return commit_files(repo, files)


def bundle(repo: Path, modules: Path, *, banner: str = "") -> Path:
    args = [
        str(modules / ".bin" / "esbuild"), "index.js", "--bundle", "--minify", "--sourcemap",
        "--platform=node", "--format=cjs", "--outfile=dist/main.js",
    ]  # fmt: skip
    if banner:
        args.append(f"--banner:js={banner}")
    proc = subprocess.run(args, cwd=repo, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return repo / "dist"


WEBPACK_CONFIG = """\
const path = require("path");
module.exports = {
  mode: "production", target: "node", entry: "./index.js", devtool: "source-map",
  output: {
    path: path.resolve(process.cwd(), "dist"), filename: "main.js",
    library: { type: "commonjs2" },
  },
};
"""


def webpack_bundle(repo: Path, modules: Path) -> Path:
    """The same app bundled by webpack 5 (terser-minified, `webpack://` source names)."""
    (repo / "webpack.config.js").write_text(WEBPACK_CONFIG)
    proc = subprocess.run(
        [str(modules / ".bin" / "webpack"), "--config", "webpack.config.js"], cwd=repo,
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "NODE_PATH": str(modules)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return repo / "dist"


async def run_node(repo: Path, modules: Path, dsn: str, release: str) -> None:
    env = {**os.environ, "NODE_PATH": str(modules)}
    proc = await asyncio.create_subprocess_exec(
        "node", "run.js", dsn, release, cwd=repo, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()

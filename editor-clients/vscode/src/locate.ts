/**
 * Finds the `railguard-lsp` executable without being told: on PATH, in a workspace folder's
 * `.venv`, then in pipx's bin folder (`PIPX_BIN_DIR`, default `~/.local/bin`), the places the
 * documented installs put it (`make install-lsp`, `pipx install <wheel>`, a project venv).
 * Pure Node (no `vscode` import), so the unit tests run it against real folders.
 */
import { accessSync, constants, statSync } from 'node:fs';
import * as path from 'node:path';

export const SERVER_EXECUTABLE = 'railguard-lsp';

/** Where to look; `process.env`, the workspace folders and `os.homedir()` in the extension. */
export interface LocateContext {
    env: Record<string, string | undefined>;
    workspaceFolders: readonly string[];
    home: string;
    platform?: NodeJS.Platform;
}

function names(platform: NodeJS.Platform): string[] {
    return platform === 'win32' ? [`${SERVER_EXECUTABLE}.exe`, `${SERVER_EXECUTABLE}.cmd`] : [SERVER_EXECUTABLE];
}

/** The folders searched, in order. */
export function searchFolders(ctx: LocateContext): string[] {
    const platform = ctx.platform ?? process.platform;
    const onPath = (ctx.env.PATH ?? ctx.env.Path ?? '').split(path.delimiter).filter((d) => d !== '');
    const venvBin = platform === 'win32' ? path.join('.venv', 'Scripts') : path.join('.venv', 'bin');
    const venvs = ctx.workspaceFolders.map((folder) => path.join(folder, venvBin));
    const pipx = ctx.env.PIPX_BIN_DIR ?? path.join(ctx.home, '.local', 'bin');
    return [...new Set([...onPath, ...venvs, pipx])];
}

function isExecutableFile(file: string): boolean {
    try {
        if (!statSync(file).isFile()) {
            return false;
        }
        accessSync(file, constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/** The first `railguard-lsp` found, or undefined; `searched` lists where it looked. */
export function locateServer(ctx: LocateContext): { found?: string; searched: string[] } {
    const searched = searchFolders(ctx);
    for (const folder of searched) {
        for (const name of names(ctx.platform ?? process.platform)) {
            const candidate = path.join(folder, name);
            if (isExecutableFile(candidate)) {
                return { found: candidate, searched };
            }
        }
    }
    return { searched };
}

/** The message shown when nothing was found: where we looked and the one command that fixes it. */
export function notFoundMessage(searched: readonly string[]): string {
    return (
        `Railguard: cannot find \`${SERVER_EXECUTABLE}\` (looked on PATH, in the workspace's .venv and in ` +
        `pipx's bin folder: ${searched.join(', ')}). Install it with \`make install-lsp\` in a Railguard ` +
        'clone or `pipx install railguard-<version>-py3-none-any.whl`, or set `railguard.serverCommand`.'
    );
}

/**
 * Whether a configured server command can be started: a path to an executable file, or a name
 * found on PATH. Checked before starting, so that a missing binary is one error, ours, rather
 * than the language client's "couldn't create connection" as well.
 */
export function commandExists(command: string, env: Record<string, string | undefined>, platform = process.platform): boolean {
    if (command.includes('/') || command.includes(path.sep)) {
        return isExecutableFile(command);
    }
    const folders = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((d) => d !== '');
    const suffixes = platform === 'win32' ? ['', '.exe', '.cmd', '.bat'] : [''];
    return folders.some((folder) => suffixes.some((s) => isExecutableFile(path.join(folder, command + s))));
}

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { commandExists, locateServer, notFoundMessage, searchFolders } from '../../src/locate';
import { DEFAULT_SETTINGS, serverCommandLine } from '../../src/settings';

function executable(folder: string, mode = 0o755): string {
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'railguard-lsp');
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, mode);
    return file;
}

describe('locateServer', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'rg-locate-'));
    const home = path.join(root, 'home');
    const workspace = path.join(root, 'shop');
    const onPath = path.join(root, 'usr-bin');
    const ctx = (env: Record<string, string>) => ({ env, workspaceFolders: [workspace], home, platform: 'linux' as const });

    it('looks on PATH, then the workspace .venv, then pipx, in that order', () => {
        assert.deepEqual(searchFolders(ctx({ PATH: `${onPath}${path.delimiter}/nowhere` })), [
            onPath,
            '/nowhere',
            path.join(workspace, '.venv', 'bin'),
            path.join(home, '.local', 'bin'),
        ]);
        assert.equal(searchFolders(ctx({ PATH: '', PIPX_BIN_DIR: '/opt/pipx/bin' })).at(-1), '/opt/pipx/bin');
    });

    it('finds nothing, and says where it looked and how to install', () => {
        const result = locateServer(ctx({ PATH: onPath }));
        assert.equal(result.found, undefined);
        const message = notFoundMessage(result.searched);
        assert.match(message, /make install-lsp/);
        assert.match(message, /pipx install/);
        assert.ok(message.includes(path.join(home, '.local', 'bin')));
    });

    it("finds pipx's, then prefers the workspace venv, then PATH", () => {
        const pipx = executable(path.join(home, '.local', 'bin'));
        assert.equal(locateServer(ctx({ PATH: onPath })).found, pipx);
        const venv = executable(path.join(workspace, '.venv', 'bin'));
        assert.equal(locateServer(ctx({ PATH: onPath })).found, venv);
        const global = executable(onPath);
        assert.equal(locateServer(ctx({ PATH: onPath })).found, global);
    });

    it('skips a file that is not executable and a folder of that name', () => {
        const other = path.join(root, 'other');
        executable(path.join(other, 'noexec'), 0o644);
        mkdirSync(path.join(other, 'dir', 'railguard-lsp'), { recursive: true });
        const result = locateServer({ env: { PATH: [path.join(other, 'noexec'), path.join(other, 'dir')].join(path.delimiter) }, workspaceFolders: [], home: other, platform: 'linux' });
        assert.equal(result.found, undefined);
    });
});

describe('serverCommandLine with a located server', () => {
    it('uses the located path only when the user set no command or interpreter', () => {
        const base = { ...DEFAULT_SETTINGS };
        assert.deepEqual(serverCommandLine(base, '/home/u/.local/bin/railguard-lsp'), {
            command: '/home/u/.local/bin/railguard-lsp',
            args: [],
        });
        assert.deepEqual(serverCommandLine({ ...base, serverCommand: ['railguard', 'lsp'] }, '/x/railguard-lsp'), {
            command: 'railguard',
            args: ['lsp'],
        });
        assert.deepEqual(serverCommandLine({ ...base, pythonPath: '/v/bin/python' }, '/x/railguard-lsp'), {
            command: '/v/bin/python',
            args: ['-m', 'railguard.lsp'],
        });
    });
});

describe('commandExists', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'rg-command-'));
    const bin = path.join(root, 'bin');
    const file = executable(bin);

    it('finds a configured command by path or on PATH, so a missing one is told once', () => {
        assert.equal(commandExists(file, {}), true);
        assert.equal(commandExists('railguard-lsp', { PATH: bin }, 'linux'), true);
        assert.equal(commandExists('railguard-lsp', { PATH: root }, 'linux'), false);
        assert.equal(commandExists(path.join(root, 'missing'), {}), false);
    });
});

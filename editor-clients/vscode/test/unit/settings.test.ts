import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    buildInitializationOptions,
    DEFAULT_SETTINGS,
    readSettings,
    RESTART_KEYS,
    sameServer,
    serverCommandLine,
    type RailguardSettings,
} from '../../src/settings';

const getter =
    (values: Record<string, unknown>) =>
    <T>(key: string, defaultValue: T): T =>
        (key in values ? values[key] : defaultValue) as T;

describe('readSettings', () => {
    it('returns the defaults for an empty configuration', () => {
        assert.deepEqual(readSettings(getter({})), DEFAULT_SETTINGS);
    });

    it('reads and normalises every setting', () => {
        assert.deepEqual(
            readSettings(
                getter({
                    serverUrl: ' http://rg.local:8000/ ',
                    serverCommand: ['railguard', 'lsp'],
                    pythonPath: '/venv/bin/python',
                    project: 4,
                    showRelatedFrames: false,
                    'trace.server': 'verbose',
                }),
            ),
            {
                serverUrl: 'http://rg.local:8000',
                serverCommand: ['railguard', 'lsp'],
                pythonPath: '/venv/bin/python',
                project: 4,
                showRelatedFrames: false,
                trace: 'verbose',
            },
        );
    });

    it('replaces malformed values by the defaults', () => {
        assert.deepEqual(
            readSettings(
                getter({
                    serverUrl: 8000,
                    serverCommand: [],
                    pythonPath: null,
                    project: 1.5,
                    showRelatedFrames: 'yes',
                    'trace.server': 'loud',
                }),
            ),
            DEFAULT_SETTINGS,
        );
        assert.deepEqual(readSettings(getter({ serverCommand: ['railguard-lsp', ''] })).serverCommand, ['railguard-lsp']);
        assert.equal(readSettings(getter({ project: -2 })).project, null);
    });
});

describe('serverCommandLine', () => {
    const base: RailguardSettings = { ...DEFAULT_SETTINGS };

    it('uses the command by default', () => {
        assert.deepEqual(serverCommandLine(base), { command: 'railguard-lsp', args: [] });
        assert.deepEqual(serverCommandLine({ ...base, serverCommand: ['railguard', 'lsp', '-v'] }), {
            command: 'railguard',
            args: ['lsp', '-v'],
        });
    });

    it('prefers the Python interpreter when set', () => {
        assert.deepEqual(serverCommandLine({ ...base, pythonPath: '/venv/bin/python', serverCommand: ['x'] }), {
            command: '/venv/bin/python',
            args: ['-m', 'railguard.lsp'],
        });
    });
});

describe('buildInitializationOptions', () => {
    const creds = { serverUrl: 'http://rg:8000', token: 'rgp_secret' };

    it('sends only showRelatedFrames when nothing is configured', () => {
        assert.deepEqual(buildInitializationOptions(DEFAULT_SETTINGS, undefined), { showRelatedFrames: true });
    });

    it("uses the stored login's URL and token when the setting is empty", () => {
        assert.deepEqual(buildInitializationOptions(DEFAULT_SETTINGS, creds), {
            showRelatedFrames: true,
            serverUrl: 'http://rg:8000',
            token: 'rgp_secret',
        });
    });

    it('sends the token only to the server it belongs to', () => {
        const settings = { ...DEFAULT_SETTINGS, serverUrl: 'http://RG:8000/', project: 3, showRelatedFrames: false };
        assert.deepEqual(buildInitializationOptions(settings, creds), {
            showRelatedFrames: false,
            serverUrl: 'http://RG:8000/',
            token: 'rgp_secret',
            project: 3,
        });
        assert.deepEqual(buildInitializationOptions({ ...DEFAULT_SETTINGS, serverUrl: 'http://other:8000' }, creds), {
            showRelatedFrames: true,
            serverUrl: 'http://other:8000',
        });
    });
});

describe('sameServer', () => {
    it('ignores trailing slashes and host case', () => {
        assert.ok(sameServer('http://RG:8000/', 'http://rg:8000'));
        assert.ok(!sameServer('http://rg:8000', 'https://rg:8000'));
        assert.ok(!sameServer('http://rg:8000', 'http://rg:8001'));
    });
});

describe('RESTART_KEYS', () => {
    it('does not restart for the trace level', () => {
        assert.ok(!RESTART_KEYS.includes('railguard.trace.server'));
        assert.ok(RESTART_KEYS.includes('railguard.serverCommand'));
    });
});

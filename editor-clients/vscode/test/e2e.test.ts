/**
 * End-to-end: starts the language server over stdio, sends the initialize the extension sends
 * (init options from the extension's own `buildInitializationOptions`), opens a document and
 * waits for a Railguard diagnostic at the expected line. Uses the JSON-RPC stack of
 * vscode-languageclient (vscode-languageserver-protocol/node), so it runs without VS Code.
 *
 * Environment (the test is skipped when RAILGUARD_E2E_FILE or RAILGUARD_E2E_LINE is missing):
 *   RAILGUARD_LSP_CMD    JSON array, default ["railguard-lsp"]
 *   RAILGUARD_E2E_FILE   file to open, inside a git repository with an incident
 *   RAILGUARD_E2E_LINE   0-based line of the expected diagnostic
 *   RAILGUARD_E2E_INIT   JSON {serverUrl, token, project, showRelatedFrames, …}, default {}
 *   RAILGUARD_E2E_OUT    optional path of a JSON report
 *   RAILGUARD_E2E_TIMEOUT_MS  wait for the diagnostic, default 10000
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
    createProtocolConnection,
    Diagnostic,
    DidOpenTextDocumentNotification,
    ExecuteCommandRequest,
    ExitNotification,
    InitializedNotification,
    InitializeRequest,
    PublishDiagnosticsNotification,
    PublishDiagnosticsParams,
    ShutdownRequest,
    StreamMessageReader,
    StreamMessageWriter,
    type ClientCapabilities,
} from 'vscode-languageserver-protocol/node';
import { buildInitializationOptions, DEFAULT_SETTINGS, type InitializationOptions } from '../src/settings';

const env = process.env;
const missing = ['RAILGUARD_E2E_FILE', 'RAILGUARD_E2E_LINE'].filter((k) => !env[k]);
const skip = missing.length > 0 ? `set ${missing.join(' and ')} (and RAILGUARD_LSP_CMD, RAILGUARD_E2E_INIT) to run` : false;

/** The parts of VS Code's client capabilities that matter to the Railguard server. */
const capabilities: ClientCapabilities = {
    general: { positionEncodings: ['utf-16'] },
    window: { workDoneProgress: true, showDocument: { support: true }, showMessage: {} },
    workspace: { workspaceFolders: true, configuration: true, executeCommand: { dynamicRegistration: true } },
    textDocument: {
        synchronization: { didSave: true, dynamicRegistration: true },
        publishDiagnostics: {
            relatedInformation: true,
            versionSupport: false,
            tagSupport: { valueSet: [1, 2] },
            codeDescriptionSupport: true,
            dataSupport: true,
        },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] } },
            dataSupport: true,
            isPreferredSupport: true,
        },
    },
};

/** The extension's init options for settings/login equivalent to RAILGUARD_E2E_INIT. */
function initOptions(raw: Record<string, unknown>): InitializationOptions {
    const serverUrl = typeof raw.serverUrl === 'string' ? raw.serverUrl : '';
    const settings = {
        ...DEFAULT_SETTINGS,
        serverUrl,
        project: typeof raw.project === 'number' ? raw.project : null,
        showRelatedFrames: typeof raw.showRelatedFrames === 'boolean' ? raw.showRelatedFrames : true,
    };
    const credentials = typeof raw.token === 'string' ? { serverUrl, token: raw.token } : undefined;
    // Keys the extension has no setting for (credentialsFile, severity) pass through unchanged.
    return { ...raw, ...buildInitializationOptions(settings, credentials) };
}

function gitRoot(file: string): string {
    let dir = path.dirname(file);
    while (!existsSync(path.join(dir, '.git'))) {
        const parent = path.dirname(dir);
        if (parent === dir) {
            return path.dirname(file);
        }
        dir = parent;
    }
    return dir;
}

const LANGUAGES: Record<string, string> = { '.py': 'python', '.js': 'javascript', '.ts': 'typescript', '.go': 'go', '.rb': 'ruby' };

test('the server publishes the incident as a diagnostic at the expected line', { skip, timeout: 60000 }, async () => {
    const file = path.resolve(env.RAILGUARD_E2E_FILE!);
    const line = Number(env.RAILGUARD_E2E_LINE);
    const cmd = JSON.parse(env.RAILGUARD_LSP_CMD || '["railguard-lsp"]') as string[];
    const init = initOptions(JSON.parse(env.RAILGUARD_E2E_INIT || '{}') as Record<string, unknown>);
    const timeoutMs = Number(env.RAILGUARD_E2E_TIMEOUT_MS || 10000);
    const uri = pathToFileURL(file).href;
    const root = gitRoot(file);
    const report: Record<string, unknown> = { ok: false, file, expected_line: line };

    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const statuses: unknown[] = [];
    connection.onNotification('railguard/status', (body: unknown) => {
        statuses.push(body);
    });

    let found: ((d: Diagnostic) => void) | undefined;
    const diagnostic = new Promise<Diagnostic>((resolve) => (found = resolve));
    const published: PublishDiagnosticsParams[] = [];
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
        published.push(params);
        const d = params.uri === uri ? params.diagnostics.find((x) => x.source === 'railguard' && x.range.start.line === line) : undefined;
        if (d) {
            found?.(d);
        }
    });
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
    connection.listen();

    try {
        const result = await connection.sendRequest(InitializeRequest.type, {
            processId: process.pid,
            clientInfo: { name: 'Visual Studio Code', version: '1.91.0' },
            rootUri: pathToFileURL(root).href,
            workspaceFolders: [{ uri: pathToFileURL(root).href, name: path.basename(root) }],
            initializationOptions: init,
            capabilities,
        });
        report.server = result.serverInfo;
        report.commands = result.capabilities.executeCommandProvider?.commands;
        await connection.sendNotification(InitializedNotification.type, {});
        await connection.sendNotification(DidOpenTextDocumentNotification.type, {
            textDocument: {
                uri,
                languageId: LANGUAGES[path.extname(file)] ?? 'plaintext',
                version: 1,
                text: readFileSync(file, 'utf8'),
            },
        });

        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
                () => reject(new Error(`no railguard diagnostic at line ${line} within ${timeoutMs} ms; published: ${JSON.stringify(published)}`)),
                timeoutMs,
            );
        });
        const d = await Promise.race([diagnostic, timeout]).finally(() => clearTimeout(timer));
        report.diagnostic = d;

        assert.equal(d.source, 'railguard');
        assert.equal(typeof d.code, 'number', 'code is the incident id');
        const data = d.data as { incidentId?: unknown; placement?: unknown };
        assert.equal(data.incidentId, d.code);
        assert.ok(['exact', 'changed', 'relocated', 'unverified'].includes(String(data.placement)));
        assert.ok(d.codeDescription?.href, 'codeDescription.href is the incident URL');

        const list = (await connection.sendRequest(ExecuteCommandRequest.type, {
            command: 'railguard.listIncidents',
            arguments: [],
        })) as { incidentId: number; uri: string; line: number }[];
        report.list = list;
        assert.ok(list.some((i) => i.incidentId === d.code && i.uri === uri && i.line === line));
        report.status = await connection.sendRequest(ExecuteCommandRequest.type, { command: 'railguard.status', arguments: [] });
        report.status_notifications = statuses;
        report.ok = true;

        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
    } catch (e) {
        report.error = String(e);
        report.stderr = stderr.slice(-4000);
        throw new Error(`${String(e)}\n--- server stderr ---\n${stderr.slice(-4000)}`);
    } finally {
        if (env.RAILGUARD_E2E_OUT) {
            writeFileSync(env.RAILGUARD_E2E_OUT, JSON.stringify(report, null, 2));
        }
        connection.dispose();
        if (child.exitCode === null) {
            setTimeout(() => child.kill(), 2000).unref();
        }
    }
});

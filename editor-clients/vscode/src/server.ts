/**
 * Creates, restarts and calls the language client. The client id `railguard` makes the
 * `railguard.trace.server` setting trace the JSON-RPC traffic into the Railguard output channel,
 * which vscode-languageclient writes only at that channel's Trace log level (README); the
 * server's own command ids
 * (executeCommandProvider) are registered by the client, so ours use `railguard.client.*`.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, LanguageClientOptions, ServerOptions, State } from 'vscode-languageclient/node';
import { confirmation } from './incidents';
import { commandExists, locateServer, notFoundMessage } from './locate';
import { buildInitializationOptions, serverCommandIsDefault, serverCommandLine } from './settings';
import type { RailguardStatus, StatusController } from './status';
import * as api from './vscodeapi';

let client: LanguageClient | undefined;

export async function startClient(
    context: vscode.ExtensionContext,
    output: vscode.LogOutputChannel,
    status: StatusController,
): Promise<LanguageClient | undefined> {
    await stopClient();
    const settings = api.getSettings();
    const credentials = await api.loadCredentials(context.secrets);
    let located: string | undefined;
    if (serverCommandIsDefault(settings)) {
        const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
        const result = locateServer({ env: process.env, workspaceFolders: folders, home: os.homedir() });
        if (result.found === undefined) {
            status.setState('stopped');
            const choice = await api.showError(notFoundMessage(result.searched), 'Open Settings');
            if (choice === 'Open Settings') {
                void vscode.commands.executeCommand('workbench.action.openSettings', 'railguard.serverCommand');
            }
            return undefined;
        }
        located = result.found;
    }
    const { command, args } = serverCommandLine(settings, located);
    if (!located && !commandExists(command, process.env)) {
        status.setState('stopped');
        const choice = await api.showError(
            `Railguard: cannot find \`${command}\` (railguard.serverCommand / railguard.pythonPath).`,
            'Open Settings',
        );
        if (choice === 'Open Settings') {
            void vscode.commands.executeCommand('workbench.action.openSettings', 'railguard.');
        }
        return undefined;
    }
    const serverOptions: ServerOptions = { command, args, options: { env: process.env } };
    const clientOptions: LanguageClientOptions = {
        // Incidents can point at any file of the repository, whatever its language.
        documentSelector: [{ scheme: 'file' }],
        initializationOptions: buildInitializationOptions(settings, credentials),
        outputChannel: output,
        middleware: {
            // A quick fix runs the server's command directly: confirm it as the palette does.
            executeCommand: async (command, args, next) => {
                const result: unknown = await next(command, args);
                const message = confirmation(command, args);
                if (message) {
                    void api.showInfo(message);
                }
                return result;
            },
        },
    };
    const next = new LanguageClient('railguard', 'Railguard', serverOptions, clientOptions);
    next.onNotification('railguard/status', (body: RailguardStatus) => status.update(body));
    next.onDidChangeState((e) => {
        status.setState(e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped');
    });
    client = next;
    status.setState('starting');
    output.info(`starting ${[command, ...args].join(' ')}`);
    try {
        await next.start();
    } catch (e) {
        status.setState('stopped');
        const choice = await api.showError(
            `Railguard: cannot start \`${[command, ...args].join(' ')}\`: ${e instanceof Error ? e.message : String(e)}`,
            'Open Settings',
        );
        if (choice === 'Open Settings') {
            void vscode.commands.executeCommand('workbench.action.openSettings', 'railguard.');
        }
        return undefined;
    }
    return next;
}

export async function stopClient(): Promise<void> {
    const old = client;
    client = undefined;
    if (old) {
        await old.stop().catch(() => undefined);
    }
}

/** Runs a server command (`workspace/executeCommand`); undefined when no client is running. */
export async function executeServerCommand<T>(command: string, args: unknown[] = [], quiet = false): Promise<T | undefined> {
    if (!client || !client.isRunning()) {
        if (!quiet) {
            void api.showError('Railguard: the language server is not running ("Railguard: Restart Server").');
        }
        return undefined;
    }
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
}

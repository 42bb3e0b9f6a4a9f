/**
 * Railguard for VS Code: starts `railguard-lsp` (or `<python> -m railguard.lsp`) through
 * vscode-languageclient, shows the connection state and open-incident count in the status bar,
 * and adds palette commands. Incidents arrive as pushed diagnostics.
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { ListItem } from './incidents';
import { parseOpenRequest, placedTarget } from './openuri';
import { executeServerCommand, startClient, stopClient } from './server';
import { RESTART_KEYS } from './settings';
import { StatusController } from './status';
import { IncidentTree } from './treeview';
import * as api from './vscodeapi';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const output = api.createOutputChannel('Railguard');
    const status = new StatusController(api.createStatusBarItem(), api.themeColor);
    const tree = new IncidentTree(() => executeServerCommand<ListItem[]>('railguard.listIncidents', [], true));
    status.onUpdate = () => void tree.refresh();
    context.subscriptions.push(output, status, vscode.window.registerTreeDataProvider('railguard.incidents', tree));

    // Serialise restarts, and fold a burst (login stores a secret, which also fires
    // secrets.onDidChange) into one: a restart that has not begun yet serves every caller.
    let pending: Promise<unknown> = Promise.resolve();
    let queued = false;
    const restart = (): Promise<unknown> => {
        if (queued) {
            return pending;
        }
        queued = true;
        pending = pending
            .then(() => {
                queued = false;
                return startClient(context, output, status);
            })
            .catch((e) => output.error(String(e)));
        return pending;
    };

    context.subscriptions.push(
        api.registerAuthProvider(context.secrets),
        ...registerCommands(context, restart, tree),
        api.registerUriHandler(openFromLink),
        api.onSettingsChanged(RESTART_KEYS, () => void restart()),
        context.secrets.onDidChange((e) => {
            if (e.key === 'railguard.credentials') {
                void restart();
            }
        }),
    );
    await restart();
}

/** `vscode://railguard.railguard/open?incident=&path=&line=`: the web app's "Open in VS Code". */
async function openFromLink(uri: vscode.Uri): Promise<void> {
    const request = uri.path === '/open' ? parseOpenRequest(uri.query) : undefined;
    if (!request) {
        void api.showError('Railguard: this link does not name an incident and a file.');
        return;
    }
    const items = (await executeServerCommand<ListItem[]>('railguard.listIncidents').catch(() => undefined)) ?? [];
    const placed = placedTarget(request, items);
    if (placed) {
        await api.revealLocation(placed.uri, placed.line, placed.character);
        return;
    }
    const file = await api.findWorkspaceFile(request.path);
    if (!file) {
        void api.showError(`Railguard: ${request.path} is not in an open workspace folder.`);
        return;
    }
    await api.revealLocation(file, (request.line ?? 1) - 1, 0);
}

export function deactivate(): Thenable<void> | undefined {
    return stopClient();
}

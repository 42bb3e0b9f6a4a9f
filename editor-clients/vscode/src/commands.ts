/**
 * The palette commands (`railguard.client.*`). They find the incident under the cursor (or let
 * the user pick one) and forward to the server's `railguard.*` commands.
 */
import * as vscode from 'vscode';
import { login, LoginError } from './auth';
import { revokeToken } from './deviceflow';
import { incidentIdOf, ListItem, plural, toPicks } from './incidents';
import { executeServerCommand } from './server';
import { IncidentTree, incidentArg } from './treeview';
import * as api from './vscodeapi';

/** Incident id from a command argument, the diagnostic under the cursor, or a quick pick. */
async function pickIncident(given: unknown): Promise<number | undefined> {
    const arg = incidentArg(given);
    if (typeof arg === 'number') {
        return arg;
    }
    for (const d of api.diagnosticsAtCursor()) {
        const id = incidentIdOf(d as unknown as Parameters<typeof incidentIdOf>[0]);
        if (id !== undefined) {
            return id;
        }
    }
    const items = (await executeServerCommand<ListItem[]>('railguard.listIncidents')) ?? [];
    const pick = await api.showQuickPick(toPicks(items, api.relativePath), 'No incident under the cursor: pick one');
    return pick?.item.incidentId;
}

export function registerCommands(
    context: vscode.ExtensionContext,
    restart: () => Promise<unknown>,
    tree: IncidentTree,
): vscode.Disposable[] {
    const forward = (serverCommand: string, done: (id: number) => string | undefined) => async (arg: unknown) => {
        const id = await pickIncident(arg);
        if (id === undefined) {
            return;
        }
        await executeServerCommand(serverCommand, [id]);
        const message = done(id);
        if (message) {
            void api.showInfo(message);
        }
    };
    return [
        api.registerCommand('railguard.client.login', async () => {
            try {
                const session = await api.signIn();
                void api.showInfo(`Railguard: signed in to ${session.account.label}`);
            } catch (e) {
                void api.showError(`Railguard: ${e instanceof Error ? e.message : String(e)}`);
            }
        }),
        api.registerCommand('railguard.client.loginWithPassword', async () => {
            const current = api.getSettings().serverUrl || (await api.loadCredentials(context.secrets))?.serverUrl;
            const serverUrl = await api.showInputBox({ prompt: 'Railguard server URL', value: current || 'http://127.0.0.1:8000' });
            const email = serverUrl && (await api.showInputBox({ prompt: 'E-mail' }));
            const password = email && (await api.showInputBox({ prompt: 'Password', password: true }));
            if (!serverUrl || !email || !password) {
                return;
            }
            try {
                const token = await login(serverUrl, email, password);
                await api.storeCredentials(context.secrets, { serverUrl: serverUrl.replace(/\/+$/, ''), token });
            } catch (e) {
                void api.showError(e instanceof LoginError ? `Railguard: ${e.message}` : String(e));
                return;
            }
            void api.showInfo(`Railguard: logged in to ${serverUrl}`);
            await restart();
        }),
        api.registerCommand('railguard.client.logout', async () => {
            const stored = await api.loadCredentials(context.secrets);
            await api.deleteCredentials(context.secrets);
            if (stored?.tokenId !== undefined) {
                await revokeToken(stored.serverUrl, stored.token, stored.tokenId);
            }
            await restart();
        }),
        api.registerCommand(
            'railguard.client.resolveIncident',
            forward('railguard.resolveIncident', (id) => `Railguard: incident #${id} resolved`),
        ),
        // VS Code declares window/showDocument, so the server opens the browser itself.
        api.registerCommand('railguard.client.openIncident', forward('railguard.openIncident', () => undefined)),
        api.registerCommand('railguard.client.showIncidents', async () => {
            const items = (await executeServerCommand<ListItem[]>('railguard.listIncidents')) ?? [];
            if (items.length === 0) {
                void api.showInfo('Railguard: no incidents in this workspace');
                return;
            }
            const pick = await api.showQuickPick(toPicks(items, api.relativePath), plural(items.length, 'incident'));
            if (pick) {
                await api.revealLocation(pick.item.uri, pick.item.line, pick.item.character ?? 0);
            }
        }),
        api.registerCommand('railguard.client.restartServer', () => restart()),
        api.registerCommand(
            'railguard.client.acknowledgeIncident',
            forward('railguard.acknowledgeIncident', (id) => `Railguard: incident #${id} acknowledged`),
        ),
        api.registerCommand(
            'railguard.client.ignoreIncident',
            forward('railguard.ignoreIncident', (id) => `Railguard: incident #${id} ignored`),
        ),
        api.registerCommand('railguard.client.refreshIncidents', () => tree.refresh()),
        api.registerCommand('railguard.client.filterIncidents', () => tree.askFilter()),
        api.registerCommand('railguard.client.revealIncident', async (item: unknown) => {
            const target = item as ListItem;
            await api.revealLocation(target.uri, target.line, target.character ?? 0);
        }),
    ];
}

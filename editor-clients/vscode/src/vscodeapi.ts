/**
 * Thin wrappers over the `vscode` API, the only place that calls it for window, workspace and
 * secrets, so the rest can be stubbed (vscode-python-tools-extension-template habit).
 */
import * as vscode from 'vscode';
import { AuthUi, CredentialStore, PROVIDER_ID, RailguardAuthProvider } from './authprovider';
import { DeviceCode } from './deviceflow';
import { readSettings, RailguardSettings, StoredCredentials } from './settings';

const SECRET_KEY = 'railguard.credentials';

export function getSettings(): RailguardSettings {
    const config = vscode.workspace.getConfiguration('railguard');
    return readSettings((key, defaultValue) => config.get(key, defaultValue));
}

export function onSettingsChanged(keys: string[], listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
        if (keys.some((k) => e.affectsConfiguration(k))) {
            listener();
        }
    });
}

export async function loadCredentials(secrets: vscode.SecretStorage): Promise<StoredCredentials | undefined> {
    const raw = await secrets.get(SECRET_KEY);
    if (!raw) {
        return undefined;
    }
    try {
        const parsed = JSON.parse(raw) as Partial<StoredCredentials>;
        if (typeof parsed.token === 'string' && typeof parsed.serverUrl === 'string') {
            const found: StoredCredentials = { token: parsed.token, serverUrl: parsed.serverUrl };
            if (typeof parsed.scope === 'string') {
                found.scope = parsed.scope;
            }
            if (typeof parsed.tokenId === 'number') {
                found.tokenId = parsed.tokenId;
            }
            return found;
        }
    } catch {
        // A corrupt entry is treated as logged out.
    }
    return undefined;
}

export function storeCredentials(secrets: vscode.SecretStorage, credentials: StoredCredentials): Thenable<void> {
    return secrets.store(SECRET_KEY, JSON.stringify(credentials));
}

export function deleteCredentials(secrets: vscode.SecretStorage): Thenable<void> {
    return secrets.delete(SECRET_KEY);
}

export function registerCommand(id: string, handler: (...args: unknown[]) => unknown): vscode.Disposable {
    return vscode.commands.registerCommand(id, handler);
}

export function createStatusBarItem(): vscode.StatusBarItem {
    return vscode.window.createStatusBarItem('railguard.status', vscode.StatusBarAlignment.Left, 10);
}

export function themeColor(id: string): vscode.ThemeColor {
    return new vscode.ThemeColor(id);
}

export function createOutputChannel(name: string): vscode.LogOutputChannel {
    return vscode.window.createOutputChannel(name, { log: true });
}

export function showInputBox(options: vscode.InputBoxOptions): Thenable<string | undefined> {
    return vscode.window.showInputBox({ ignoreFocusOut: true, ...options });
}

export function showQuickPick<T extends vscode.QuickPickItem>(items: T[], placeHolder: string): Thenable<T | undefined> {
    return vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
}

export function showInfo(message: string): Thenable<string | undefined> {
    return vscode.window.showInformationMessage(message);
}

export function showError(message: string, ...actions: string[]): Thenable<string | undefined> {
    return vscode.window.showErrorMessage(message, ...actions);
}

/** Diagnostics at the cursor of the active editor, with its document URI. */
export function diagnosticsAtCursor(): vscode.Diagnostic[] {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
        return [];
    }
    const position = editor.selection.active;
    const all = vscode.languages.getDiagnostics(editor.document.uri);
    const containing = all.filter((d) => d.range.contains(position));
    return containing.length > 0 ? containing : all.filter((d) => d.range.start.line === position.line);
}

export async function revealLocation(uri: string, line: number, character: number): Promise<void> {
    const position = new vscode.Position(line, character);
    await vscode.window.showTextDocument(vscode.Uri.parse(uri), { selection: new vscode.Range(position, position) });
}

export function relativePath(uri: string): string {
    return vscode.workspace.asRelativePath(vscode.Uri.parse(uri), true);
}

export function registerUriHandler(handle: (uri: vscode.Uri) => Promise<void>): vscode.Disposable {
    return vscode.window.registerUriHandler({ handleUri: handle });
}

/** The URI of a workspace file with this repository-relative path, if one is open. */
export async function findWorkspaceFile(path: string): Promise<string | undefined> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
        const candidate = vscode.Uri.joinPath(folder.uri, path);
        try {
            await vscode.workspace.fs.stat(candidate);
            return candidate.toString();
        } catch {
            // not in this folder
        }
    }
    return undefined;
}

/** The browser sign-in's editor side: prompts, the code, the cancellable wait. */
export const authUi: AuthUi = {
    askServerUrl: async (current) => showInputBox({ prompt: 'Railguard server URL', value: getSettings().serverUrl || current || 'http://127.0.0.1:8000' }),
    showCode: async (code: DeviceCode) => {
        await vscode.env.clipboard.writeText(code.userCode);
        void vscode.window.showInformationMessage(
            `Railguard: enter ${code.userCode} (copied) at ${code.verificationUri} to sign in.`,
        );
        await vscode.env.openExternal(vscode.Uri.parse(code.verificationUriComplete));
    },
    waitCancellable: (title, task) =>
        Promise.resolve(
            vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) =>
                task(() => token.isCancellationRequested),
            ),
        ),
};

export function credentialStore(secrets: vscode.SecretStorage): CredentialStore {
    return {
        load: () => loadCredentials(secrets),
        store: async (credentials) => storeCredentials(secrets, credentials),
        remove: async () => deleteCredentials(secrets),
    };
}

/** Register the `railguard` authentication provider (sign-in through the browser). */
export function registerAuthProvider(secrets: vscode.SecretStorage): vscode.Disposable {
    const deviceName = `VS Code on ${vscode.env.machineId.slice(0, 8)} (${vscode.env.appName})`;
    const provider = new RailguardAuthProvider(credentialStore(secrets), authUi, deviceName);
    return vscode.authentication.registerAuthenticationProvider(PROVIDER_ID, 'Railguard', provider, { supportsMultipleAccounts: false });
}

/** The session of the `railguard` provider, signing in through the browser when there is none. */
export function signIn(): Thenable<vscode.AuthenticationSession> {
    return vscode.authentication.getSession(PROVIDER_ID, ['read', 'triage'], { createIfNone: true });
}

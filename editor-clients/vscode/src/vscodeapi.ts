/**
 * Thin wrappers over the `vscode` API, the only place that calls it for window, workspace and
 * secrets, so the rest can be stubbed (vscode-python-tools-extension-template habit).
 */
import * as vscode from 'vscode';
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
            return { token: parsed.token, serverUrl: parsed.serverUrl };
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

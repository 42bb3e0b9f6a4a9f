/**
 * The Railguard authentication provider (`vscode.authentication`): a session is the token the
 * device flow (`deviceflow.ts`) obtained, kept in SecretStorage through `CredentialStore`.
 * The editor's UI (server URL prompt, showing the code, the cancellable wait) is injected, so
 * this class runs under plain Node in the unit tests; `vscodeapi.ts` supplies the real one.
 */
import type * as vscode from 'vscode';
import { DeviceCode, DeviceFlowError, pollForToken, revokeToken, startDeviceFlow } from './deviceflow';
import { StoredCredentials } from './settings';

export const PROVIDER_ID = 'railguard';
export const DEFAULT_SCOPES = ['read', 'triage'];

export interface CredentialStore {
    load(): Promise<StoredCredentials | undefined>;
    store(credentials: StoredCredentials): Promise<void>;
    remove(): Promise<void>;
}

export interface AuthUi {
    /** The server to sign in to; undefined when the person cancels. */
    askServerUrl(current: string | undefined): Promise<string | undefined>;
    /** Show the code and the page (and open the browser where there is one). */
    showCode(code: DeviceCode): Promise<void>;
    /** Run the wait with a way to cancel it. */
    waitCancellable<T>(title: string, task: (cancelled: () => boolean) => Promise<T>): Promise<T>;
}

type ChangeEvent = vscode.AuthenticationProviderAuthenticationSessionsChangeEvent;

export function sessionOf(credentials: StoredCredentials): vscode.AuthenticationSession {
    return {
        id: `railguard:${credentials.serverUrl}`,
        accessToken: credentials.token,
        account: { id: credentials.serverUrl, label: credentials.serverUrl },
        scopes: (credentials.scope ?? DEFAULT_SCOPES.join(' ')).split(' ').filter((s) => s !== ''),
    };
}

export class RailguardAuthProvider implements vscode.AuthenticationProvider {
    private readonly listeners = new Set<(e: ChangeEvent) => unknown>();

    constructor(
        private readonly credentials: CredentialStore,
        private readonly ui: AuthUi,
        private readonly deviceName: string,
        private readonly fetchFn: typeof fetch = fetch,
        private readonly sleep?: (ms: number) => Promise<void>,
    ) {}

    readonly onDidChangeSessions: vscode.Event<ChangeEvent> = (listener, thisArgs?) => {
        const bound = (e: ChangeEvent): unknown => listener.call(thisArgs, e);
        this.listeners.add(bound);
        return { dispose: () => this.listeners.delete(bound) };
    };

    private fire(e: Partial<ChangeEvent>): void {
        const event: ChangeEvent = { added: e.added ?? [], removed: e.removed ?? [], changed: e.changed ?? [] };
        for (const listener of this.listeners) {
            listener(event);
        }
    }

    async getSessions(): Promise<vscode.AuthenticationSession[]> {
        const stored = await this.credentials.load();
        return stored ? [sessionOf(stored)] : [];
    }

    async createSession(): Promise<vscode.AuthenticationSession> {
        const previous = await this.credentials.load();
        const serverUrl = (await this.ui.askServerUrl(previous?.serverUrl))?.trim().replace(/\/+$/, '');
        if (!serverUrl) {
            throw new DeviceFlowError('sign-in cancelled');
        }
        const code = await startDeviceFlow(serverUrl, this.deviceName, 'railguard-vscode', this.fetchFn);
        await this.ui.showCode(code);
        const token = await this.ui.waitCancellable(`Railguard: approve code ${code.userCode} in the browser`, (cancelled) =>
            pollForToken(serverUrl, code, { fetchFn: this.fetchFn, sleep: this.sleep, cancelled }),
        );
        const stored: StoredCredentials = { serverUrl, token: token.accessToken, scope: token.scope, tokenId: token.tokenId };
        await this.credentials.store(stored);
        const session = sessionOf(stored);
        this.fire(previous ? { removed: [sessionOf(previous)], added: [session] } : { added: [session] });
        return session;
    }

    /** Forget the token here and revoke it on the server (when it came from this sign-in). */
    async removeSession(): Promise<void> {
        const stored = await this.credentials.load();
        await this.credentials.remove();
        if (stored) {
            if (stored.tokenId !== undefined) {
                await revokeToken(stored.serverUrl, stored.token, stored.tokenId, this.fetchFn);
            }
            this.fire({ removed: [sessionOf(stored)] });
        }
    }
}

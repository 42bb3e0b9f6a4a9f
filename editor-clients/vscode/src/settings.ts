/**
 * Typed `railguard.*` settings and the two things built from them: the server command line and
 * the `initializationOptions` of the language server contract (docs/ARCHITECTURE.md).
 * Pure: nothing here imports `vscode`, so the unit tests run under plain Node.
 */

/** Values of the `railguard.trace.server` setting. */
export type TraceLevel = 'off' | 'messages' | 'verbose';

/** The `railguard.*` settings, as declared in package.json `contributes.configuration`. */
export interface RailguardSettings {
    /** Backend base URL, e.g. `http://127.0.0.1:8000`; empty: the stored login's URL, then the server's own fallbacks. */
    serverUrl: string;
    /** Command line that starts the server on stdio; ignored when `pythonPath` is set. */
    serverCommand: string[];
    /** Python interpreter with `railguard` installed; when set the server is `<python> -m railguard.lsp`. */
    pythonPath: string;
    /** Force a project id instead of matching the repository's `origin` remote. */
    project: number | null;
    /** Also mark the calling frames of a stack trace. */
    showRelatedFrames: boolean;
    /** JSON-RPC tracing into the output channel (read by vscode-languageclient itself). */
    trace: TraceLevel;
}

/** What `Railguard: Log In` keeps in SecretStorage (never in settings). */
export interface StoredCredentials {
    /** The backend the token belongs to. */
    serverUrl: string;
    /** API token (`rgp_…`). */
    token: string;
    /** Scopes of a token from the browser sign-in (space-separated), e.g. `read triage`. */
    scope?: string;
    /** The token's id on the server, for revoking it. */
    tokenId?: number;
}

/** The language server's `initializationOptions` (camelCase, every field optional). */
export interface InitializationOptions {
    serverUrl?: string;
    token?: string;
    project?: number;
    credentialsFile?: string;
    showRelatedFrames?: boolean;
    severity?: Record<string, string>;
}

export const DEFAULT_SETTINGS: RailguardSettings = {
    serverUrl: '',
    serverCommand: ['railguard-lsp'],
    pythonPath: '',
    project: null,
    showRelatedFrames: true,
    trace: 'off',
};

/** Reads a setting value; `vscode.WorkspaceConfiguration.get` fits. */
export type SettingGetter = <T>(key: string, defaultValue: T) => T;

function isStringList(v: unknown): v is string[] {
    return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.trim() !== '');
}

/** Builds typed settings from a getter, replacing malformed values by the defaults. */
export function readSettings(get: SettingGetter): RailguardSettings {
    const d = DEFAULT_SETTINGS;
    const serverUrl = get<unknown>('serverUrl', d.serverUrl);
    const serverCommand = get<unknown>('serverCommand', d.serverCommand);
    const pythonPath = get<unknown>('pythonPath', d.pythonPath);
    const project = get<unknown>('project', d.project);
    const related = get<unknown>('showRelatedFrames', d.showRelatedFrames);
    const trace = get<unknown>('trace.server', d.trace);
    return {
        serverUrl: typeof serverUrl === 'string' ? serverUrl.trim().replace(/\/+$/, '') : d.serverUrl,
        serverCommand: isStringList(serverCommand) ? [...serverCommand] : [...d.serverCommand],
        pythonPath: typeof pythonPath === 'string' ? pythonPath.trim() : d.pythonPath,
        project: typeof project === 'number' && Number.isInteger(project) && project > 0 ? project : null,
        showRelatedFrames: typeof related === 'boolean' ? related : d.showRelatedFrames,
        trace: trace === 'messages' || trace === 'verbose' ? trace : 'off',
    };
}

/** Whether the user chose the server command (else the extension locates `railguard-lsp`). */
export function serverCommandIsDefault(settings: RailguardSettings): boolean {
    return settings.pythonPath === '' && settings.serverCommand.join('\u0000') === DEFAULT_SETTINGS.serverCommand.join('\u0000');
}

/**
 * The process to start: `<python> -m railguard.lsp` when an interpreter is set, the configured
 * command when one is set, else the `railguard-lsp` that was `located` (see locate.ts).
 */
export function serverCommandLine(settings: RailguardSettings, located?: string): { command: string; args: string[] } {
    if (settings.pythonPath !== '') {
        return { command: settings.pythonPath, args: ['-m', 'railguard.lsp'] };
    }
    if (located !== undefined && serverCommandIsDefault(settings)) {
        return { command: located, args: [] };
    }
    const [command, ...args] = settings.serverCommand.length > 0 ? settings.serverCommand : DEFAULT_SETTINGS.serverCommand;
    return { command: command ?? 'railguard-lsp', args };
}

/**
 * The `initializationOptions` the extension sends. A stored token is used only for the server it
 * was issued by; with no URL anywhere the server falls back to `RAILGUARD_URL`/`RAILGUARD_TOKEN`
 * and to the credentials file of `railguard login`.
 */
export function buildInitializationOptions(
    settings: RailguardSettings,
    credentials: StoredCredentials | undefined,
): InitializationOptions {
    const options: InitializationOptions = { showRelatedFrames: settings.showRelatedFrames };
    const serverUrl = settings.serverUrl !== '' ? settings.serverUrl : credentials?.serverUrl;
    if (serverUrl) {
        options.serverUrl = serverUrl;
    }
    if (credentials && (!serverUrl || sameServer(serverUrl, credentials.serverUrl))) {
        options.token = credentials.token;
    }
    if (settings.project !== null) {
        options.project = settings.project;
    }
    return options;
}

/** Compares two base URLs, ignoring trailing slashes and the case of scheme and host. */
export function sameServer(a: string, b: string): boolean {
    const norm = (u: string): string => {
        try {
            const url = new URL(u);
            return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
        } catch {
            return u.replace(/\/+$/, '');
        }
    };
    return norm(a) === norm(b);
}

/** Settings whose change needs a server restart (the trace level is applied live by the client). */
export const RESTART_KEYS = ['serverUrl', 'serverCommand', 'pythonPath', 'project', 'showRelatedFrames'].map(
    (k) => `railguard.${k}`,
);

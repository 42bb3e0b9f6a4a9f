/**
 * Status bar item fed by the server's `railguard/status` notification: connection state, the
 * open-incident count and the uptime monitors that are down. `formatStatus` is pure; the controller gets its item from vscodeapi.ts.
 */
import type { StatusBarItem, ThemeColor } from 'vscode';

/** One workspace folder in the status body. */
export interface ProjectStatus {
    folder: string;
    repository: string;
    projectId: number | null;
    openIncidents: number;
    /** Uptime monitors of the project that are down; null or absent while unknown. */
    monitorsDown?: number | null;
}

/** Body of `railguard/status` and of the `railguard.status` command. */
export interface RailguardStatus {
    connected: boolean;
    serverUrl: string | null;
    user: string | null;
    problem: string | null;
    projects: ProjectStatus[];
}

/** What the status bar shows. */
export interface StatusView {
    text: string;
    tooltip: string;
    /** `warning` and `error` map to the status bar's theme background colours. */
    level: 'normal' | 'warning' | 'error';
}

/** Formats a status body (or its absence while the server starts). */
export function formatStatus(status: RailguardStatus | undefined, state: 'starting' | 'running' | 'stopped'): StatusView {
    if (state === 'stopped') {
        return { text: '$(debug-disconnect) Railguard', tooltip: 'Railguard language server is not running', level: 'error' };
    }
    if (!status) {
        return { text: '$(sync~spin) Railguard', tooltip: 'Railguard: starting…', level: 'normal' };
    }
    if (!status.connected) {
        // The server's problems are whole messages ("Railguard: …"): say the name once.
        const problem = (status.problem ?? 'not connected').replace(/^Railguard:\s*/, '');
        return {
            text: '$(warning) Railguard',
            tooltip: `Railguard: ${problem}${status.serverUrl ? ` (${status.serverUrl})` : ''}\nRun "Railguard: Log In" to connect.`,
            level: 'warning',
        };
    }
    const projects = status.projects ?? [];
    const open = projects.reduce((n, p) => n + (p.openIncidents ?? 0), 0);
    const down = projects.reduce((n, p) => n + (p.monitorsDown ?? 0), 0);
    const lines = [`Railguard: connected to ${status.serverUrl ?? '?'}${status.user ? ` as ${status.user}` : ''}`];
    for (const p of projects) {
        lines.push(
            p.projectId !== null && p.projectId !== undefined
                ? `${p.repository}: project ${p.projectId}, ${p.openIncidents} open` +
                      (p.monitorsDown ? `, ${p.monitorsDown} monitor${p.monitorsDown === 1 ? '' : 's'} down` : '')
                : `${p.repository}: no matching project`,
        );
    }
    const unmatched = projects.length > 0 && projects.every((p) => p.projectId === null || p.projectId === undefined);
    return {
        text: `${open > 0 ? '$(bug)' : '$(pass)'} ${open}` + (down > 0 ? ` $(arrow-down) ${down}` : ''),
        tooltip: lines.join('\n'),
        level: down > 0 ? 'error' : unmatched ? 'warning' : 'normal',
    };
}

/** Keeps one status bar item in sync with the server's notifications. */
export class StatusController {
    private status: RailguardStatus | undefined;
    /** Called after each `railguard/status` (the incident tree refreshes then). */
    onUpdate: (() => void) | undefined;

    constructor(
        private readonly item: StatusBarItem,
        private readonly themeColor: (id: string) => ThemeColor,
    ) {
        item.name = 'Railguard';
        item.command = 'railguard.client.showIncidents';
        this.render('starting');
        item.show();
    }

    /** Handler for the `railguard/status` notification. */
    update(status: RailguardStatus): void {
        this.status = status;
        this.render('running');
        this.onUpdate?.();
    }

    /** Called when the client starts or stops. */
    setState(state: 'starting' | 'running' | 'stopped'): void {
        if (state === 'starting') {
            this.status = undefined;
        }
        this.render(state);
    }

    private render(state: 'starting' | 'running' | 'stopped'): void {
        const view = formatStatus(this.status, state);
        this.item.text = view.text;
        this.item.tooltip = view.tooltip;
        this.item.backgroundColor =
            view.level === 'normal' ? undefined : this.themeColor(`statusBarItem.${view.level}Background`);
    }

    dispose(): void {
        this.item.dispose();
    }
}

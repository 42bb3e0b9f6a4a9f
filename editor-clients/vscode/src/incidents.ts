/**
 * Pure helpers around incidents: the id of a Railguard diagnostic as VS Code hands it back, and
 * quick-pick entries for the `railguard.listIncidents` result. No `vscode` import.
 */

/** The parts of a `vscode.Diagnostic` we read (the language client adds `data`). */
export interface DiagnosticLike {
    source?: string;
    /** vscode-languageclient turns `code` + `codeDescription` into `{ value, target }`. */
    code?: string | number | { value: string | number; target?: unknown };
    data?: unknown;
}

/**
 * One item of `railguard.listIncidents` (line and character 0-based, UTF-16 for VS Code). An
 * incident whose line was removed is `placement: 'deleted'` with a `note` saying so; its `line`
 * is only where the line used to be, so it is a place to look, not the incident's line.
 */
export interface ListItem {
    incidentId: number;
    title: string;
    uri: string;
    line: number;
    character?: number;
    severity?: number | string;
    placement?: 'exact' | 'changed' | 'relocated' | 'unverified' | 'deleted';
    note?: string;
    eventCount?: number;
    lastSeen?: string;
    status?: 'open' | 'acknowledged' | 'resolved' | 'ignored';
    environments?: string[];
    /** A fix resolved at a commit that no deploy contains yet. */
    fix?: { commit: string; state: string; ancestryKnown: boolean };
}

/** `1 event`, `2 events`. */
export function plural(count: number, noun: string): string {
    return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

/** An ISO 8601 time as `2025-01-02 03:04 UTC` (the raw text when it is not a time). */
export function formatWhen(iso: string): string {
    const when = new Date(iso);
    if (Number.isNaN(when.getTime())) {
        return iso;
    }
    return `${when.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The confirmation for a server command run from a quick fix (the palette shows its own). */
export function confirmation(command: string, args: unknown[] | undefined): string | undefined {
    const id = args?.[0];
    const done: Record<string, string> = {
        'railguard.resolveIncident': 'resolved',
        'railguard.acknowledgeIncident': 'acknowledged',
        'railguard.ignoreIncident': 'ignored',
    };
    return typeof id === 'number' && done[command] ? `Railguard: incident #${id} ${done[command]}` : undefined;
}

/** True when the server could not place the incident on any line of the file. */
export function isUnplaced(item: ListItem): boolean {
    return item.placement === 'deleted' || (typeof item.note === 'string' && item.note !== '');
}

function asId(v: unknown): number | undefined {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) {
        return v;
    }
    if (typeof v === 'string' && /^\d+$/.test(v)) {
        return Number(v);
    }
    return undefined;
}

/** Incident id of a Railguard diagnostic (from `code`, else `data.incidentId`), or undefined. */
export function incidentIdOf(d: DiagnosticLike): number | undefined {
    if (d.source !== 'railguard') {
        return undefined;
    }
    const code = typeof d.code === 'object' && d.code !== null ? d.code.value : d.code;
    const fromCode = asId(code);
    if (fromCode !== undefined) {
        return fromCode;
    }
    if (typeof d.data === 'object' && d.data !== null) {
        return asId((d.data as { incidentId?: unknown }).incidentId);
    }
    return undefined;
}

/** Quick-pick entry for one incident; `relativePath` turns the URI into a workspace path. */
export interface IncidentPick {
    label: string;
    description: string;
    detail: string;
    item: ListItem;
}

function icon(severity: number | string | undefined): string {
    const s = typeof severity === 'string' ? severity.toLowerCase() : severity;
    if (s === 2 || s === 'warning') {
        return '$(warning)';
    }
    if (s === 3 || s === 4 || s === 'info' || s === 'information' || s === 'hint' || s === 'debug') {
        return '$(info)';
    }
    return '$(error)';
}

export function toPicks(items: ListItem[], relativePath: (uri: string) => string): IncidentPick[] {
    return items
        .filter((i) => typeof i?.incidentId === 'number' && typeof i.uri === 'string')
        .map((item) => {
            const unplaced = isUnplaced(item);
            const detail: string[] = [];
            if (unplaced) {
                detail.push(item.note || 'not placed on any line of this file');
            }
            if (item.eventCount !== undefined) {
                detail.push(plural(item.eventCount, 'event'));
            }
            if (item.lastSeen) {
                detail.push(`last seen ${formatWhen(item.lastSeen)}`);
            }
            if (item.placement && item.placement !== 'exact' && !unplaced) {
                detail.push(`placement: ${item.placement}`);
            }
            return {
                label: `${icon(item.severity)} #${item.incidentId} ${item.title}`,
                description: unplaced ? relativePath(item.uri) : `${relativePath(item.uri)}:${item.line + 1}`,
                detail: detail.join(' · '),
                item,
            };
        });
}

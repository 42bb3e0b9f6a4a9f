/**
 * "Open in editor" links from the web app: `vscode://railguard.railguard/open?incident=7&path=
 * shop/billing.py&line=2&repository=github.com/acme/shop`. Pure helpers, no `vscode` import: the
 * request in the link, and where to go, preferring the line the language server placed the
 * incident on in this working copy (the link's line is where it was at the event's commit).
 */
import type { ListItem } from './incidents';

export interface OpenRequest {
    incidentId: number;
    /** Repository-relative path at the event's commit. */
    path: string;
    /** 1-based line at the event's commit, if known. */
    line?: number;
    repository?: string;
}

export interface Target {
    uri: string;
    line: number;
    character: number;
}

function positiveInt(raw: string | null): number | undefined {
    return raw !== null && /^\d{1,9}$/.test(raw) && Number(raw) > 0 ? Number(raw) : undefined;
}

/** The request in a link's query string, or undefined when it is not one of ours. */
export function parseOpenRequest(query: string): OpenRequest | undefined {
    const params = new URLSearchParams(query);
    const incidentId = positiveInt(params.get('incident'));
    const path = params.get('path') ?? '';
    if (incidentId === undefined || path === '' || path.split('/').includes('..')) {
        return undefined;
    }
    return {
        incidentId,
        path: path.replace(/^\/+/, ''),
        line: positiveInt(params.get('line')),
        repository: params.get('repository') ?? undefined,
    };
}

/** The incident's placed location from `railguard.listIncidents`, if the server has it. */
export function placedTarget(request: OpenRequest, items: ListItem[]): Target | undefined {
    const item = items.find((i) => i.incidentId === request.incidentId);
    return item ? { uri: item.uri, line: item.line, character: item.character ?? 0 } : undefined;
}

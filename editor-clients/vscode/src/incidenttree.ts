/**
 * The incident tree's model, pure (no `vscode` import): `railguard.listIncidents` items filtered
 * by status, environment and level, grouped by file, with the labels the tree shows.
 */
import { formatWhen, isUnplaced, ListItem, plural } from './incidents';

/** What the tree shows; an empty set or undefined lets everything through. */
export interface TreeFilter {
    statuses?: string[];
    environment?: string;
    level?: string;
}

export interface FileGroup {
    uri: string;
    label: string;
    items: ListItem[];
}

export function passes(item: ListItem, filter: TreeFilter): boolean {
    const status = item.status ?? 'open';
    if (filter.statuses && filter.statuses.length > 0 && !filter.statuses.includes(status)) {
        return false;
    }
    if (filter.level && item.severity !== filter.level) {
        return false;
    }
    if (filter.environment && !(item.environments ?? []).includes(filter.environment)) {
        return false;
    }
    return true;
}

/** Files in path order, each with its incidents by line. */
export function groupByFile(items: ListItem[], filter: TreeFilter, relativePath: (uri: string) => string): FileGroup[] {
    const groups = new Map<string, FileGroup>();
    for (const item of items) {
        if (typeof item?.incidentId !== 'number' || typeof item.uri !== 'string' || !passes(item, filter)) {
            continue;
        }
        let group = groups.get(item.uri);
        if (!group) {
            group = { uri: item.uri, label: relativePath(item.uri), items: [] };
            groups.set(item.uri, group);
        }
        group.items.push(item);
    }
    const out = [...groups.values()].sort((a, b) => a.label.localeCompare(b.label));
    for (const g of out) {
        g.items.sort((a, b) => a.line - b.line || a.incidentId - b.incidentId);
    }
    return out;
}

/** Label, description and tooltip of one incident in the tree. */
export function itemText(item: ListItem): { label: string; description: string; tooltip: string } {
    const facts: string[] = [];
    facts.push(item.fix ? 'fixed, awaiting deploy' : (item.status ?? 'open'));
    if (item.eventCount !== undefined) {
        facts.push(plural(item.eventCount, 'event'));
    }
    const where = isUnplaced(item) ? (item.note ?? 'not placed') : `line ${item.line + 1}`;
    const tooltip = [`#${item.incidentId} ${item.title}`, where, ...facts];
    if (item.lastSeen) {
        tooltip.push(`last seen ${formatWhen(item.lastSeen)}`);
    }
    if (item.environments && item.environments.length > 0) {
        tooltip.push(item.environments.join(', '));
    }
    return { label: `#${item.incidentId} ${item.title}`, description: `${where} · ${facts.join(' · ')}`, tooltip: tooltip.join('\n') };
}

/** `status=open,acknowledged env=production level=error` → a filter (unknown words ignored). */
export function parseFilter(text: string): TreeFilter {
    const filter: TreeFilter = {};
    for (const word of text.split(/\s+/)) {
        const [key, value] = word.split('=', 2);
        if (!value) {
            continue;
        }
        if (key === 'status') {
            filter.statuses = value.split(',').filter((s) => s !== '');
        } else if (key === 'env' || key === 'environment') {
            filter.environment = value;
        } else if (key === 'level') {
            filter.level = value;
        }
    }
    return filter;
}

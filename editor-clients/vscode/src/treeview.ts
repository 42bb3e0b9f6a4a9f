/**
 * The "Railguard Incidents" tree in the Explorer: every incident of the workspace grouped by
 * file (model in incidenttree.ts), filterable, refreshed when the server's status changes, with
 * go-to on click and the triage actions in each item's context menu.
 */
import * as vscode from 'vscode';
import { FileGroup, groupByFile, itemText, parseFilter, TreeFilter } from './incidenttree';
import { ListItem } from './incidents';

type Node = { kind: 'file'; group: FileGroup } | { kind: 'incident'; item: ListItem };

export class IncidentTree implements vscode.TreeDataProvider<Node> {
    private readonly changed = new vscode.EventEmitter<void>();
    readonly onDidChangeTreeData = this.changed.event;
    private groups: FileGroup[] = [];
    filter: TreeFilter = { statuses: ['open', 'acknowledged'] };

    constructor(private readonly list: () => Promise<ListItem[] | undefined>) {}

    async refresh(): Promise<void> {
        const items = (await this.list().catch(() => undefined)) ?? [];
        this.groups = groupByFile(items, this.filter, (uri) => vscode.workspace.asRelativePath(vscode.Uri.parse(uri)));
        this.changed.fire();
    }

    async askFilter(): Promise<void> {
        const current = [
            this.filter.statuses?.length ? `status=${this.filter.statuses.join(',')}` : '',
            this.filter.environment ? `env=${this.filter.environment}` : '',
            this.filter.level ? `level=${this.filter.level}` : '',
        ].filter((w) => w !== '');
        const text = await vscode.window.showInputBox({
            prompt: 'Filter: status=open,acknowledged,resolved,ignored env=NAME level=error|warning|…',
            value: current.join(' '),
        });
        if (text !== undefined) {
            this.filter = parseFilter(text);
            await this.refresh();
        }
    }

    getTreeItem(node: Node): vscode.TreeItem {
        if (node.kind === 'file') {
            const item = new vscode.TreeItem(node.group.label, vscode.TreeItemCollapsibleState.Expanded);
            item.resourceUri = vscode.Uri.parse(node.group.uri);
            item.description = `${node.group.items.length}`;
            return item;
        }
        const text = itemText(node.item);
        const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
        item.description = text.description;
        item.tooltip = text.tooltip;
        item.contextValue = 'railguardIncident';
        item.command = {
            command: 'railguard.client.revealIncident',
            title: 'Go to Incident',
            arguments: [node.item],
        };
        return item;
    }

    getChildren(node?: Node): Node[] {
        if (!node) {
            return this.groups.map((group) => ({ kind: 'file', group }));
        }
        return node.kind === 'file' ? node.group.items.map((item) => ({ kind: 'incident', item })) : [];
    }
}

/** The incident id of a tree node handed to a context-menu command, else the argument. */
export function incidentArg(arg: unknown): unknown {
    if (typeof arg === 'object' && arg !== null && (arg as Node).kind === 'incident') {
        return (arg as { item: ListItem }).item.incidentId;
    }
    return arg;
}

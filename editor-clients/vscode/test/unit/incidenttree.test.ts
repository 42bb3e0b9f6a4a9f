import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupByFile, itemText, parseFilter } from '../../src/incidenttree';
import type { ListItem } from '../../src/incidents';

const items: ListItem[] = [
    { incidentId: 3, title: 'KeyError', uri: 'file:///r/b.py', line: 9, severity: 'error', status: 'open',
      environments: ['production'], eventCount: 1 },
    { incidentId: 1, title: 'ValueError', uri: 'file:///r/b.py', line: 2, severity: 'warning', status: 'acknowledged',
      environments: ['staging'], eventCount: 4 },
    { incidentId: 2, title: 'OSError', uri: 'file:///r/a.py', line: 0, severity: 'error', status: 'resolved',
      environments: ['production'], fix: { commit: 'abc', state: 'awaiting_deploy', ancestryKnown: true } },
];
const rel = (uri: string) => uri.replace('file:///r/', '');

describe('incident tree', () => {
    it('groups by file in path order, incidents by line', () => {
        const groups = groupByFile(items, {}, rel);
        assert.deepEqual(groups.map((g) => [g.label, g.items.map((i) => i.incidentId)]), [
            ['a.py', [2]],
            ['b.py', [1, 3]],
        ]);
    });

    it('filters by status, environment and level', () => {
        const ids = (f: string) => groupByFile(items, parseFilter(f), rel).flatMap((g) => g.items.map((i) => i.incidentId));
        assert.deepEqual(ids('status=open,acknowledged'), [1, 3]);
        assert.deepEqual(ids('env=production'), [2, 3]);
        assert.deepEqual(ids('status=open level=error'), [3]);
        assert.deepEqual(ids('level=fatal'), []);
    });

    it('labels an incident with its line, state and events', () => {
        assert.deepEqual(itemText(items[0]!).description, 'line 10 · open · 1 event');
        assert.match(itemText(items[2]!).description, /fixed, awaiting deploy/);
    });
});

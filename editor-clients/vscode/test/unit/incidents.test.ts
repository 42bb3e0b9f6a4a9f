import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confirmation, formatWhen, incidentIdOf, isUnplaced, plural, toPicks } from '../../src/incidents';

describe('incidentIdOf', () => {
    it('reads the code in every shape VS Code hands back', () => {
        assert.equal(incidentIdOf({ source: 'railguard', code: 7 }), 7);
        assert.equal(incidentIdOf({ source: 'railguard', code: '8' }), 8);
        assert.equal(incidentIdOf({ source: 'railguard', code: { value: 9, target: 'http://rg/9' } }), 9);
    });

    it('falls back to data.incidentId', () => {
        assert.equal(incidentIdOf({ source: 'railguard', data: { incidentId: 10, placement: 'exact' } }), 10);
    });

    it('ignores other sources and non-ids', () => {
        assert.equal(incidentIdOf({ source: 'Pylance', code: 7 }), undefined);
        assert.equal(incidentIdOf({ source: 'railguard', code: 'E501' }), undefined);
        assert.equal(incidentIdOf({ source: 'railguard' }), undefined);
    });
});

describe('toPicks', () => {
    it('turns list items into quick-pick entries with 1-based lines', () => {
        const picks = toPicks(
            [
                {
                    incidentId: 7,
                    title: "KeyError: 'id'",
                    uri: 'file:///repo/app.py',
                    line: 41,
                    character: 4,
                    severity: 1,
                    placement: 'exact',
                    eventCount: 12,
                    lastSeen: '2025-01-02T03:04:05Z',
                },
                { incidentId: 8, title: 'slow', uri: 'file:///repo/db.py', line: 0, severity: 'warning', placement: 'changed' },
            ],
            (uri) => uri.replace('file:///repo/', ''),
        );
        assert.deepEqual(
            picks.map(({ label, description, detail }) => ({ label, description, detail })),
            [
                {
                    label: "$(error) #7 KeyError: 'id'",
                    description: 'app.py:42',
                    detail: '12 events · last seen 2025-01-02 03:04 UTC',
                },
                { label: '$(warning) #8 slow', description: 'db.py:1', detail: 'placement: changed' },
            ],
        );
    });

    it('shows the note of an incident whose line was removed, with no line number', () => {
        const item = {
            incidentId: 9,
            title: 'ZeroDivisionError',
            uri: 'file:///repo/calc.py',
            line: 12,
            severity: 1,
            placement: 'deleted' as const,
            note: 'not placed: the line was removed since abc1234',
            eventCount: 3,
        };
        assert.equal(isUnplaced(item), true);
        const [pick] = toPicks([item], (uri) => uri.replace('file:///repo/', ''));
        assert.deepEqual(
            { label: pick.label, description: pick.description, detail: pick.detail },
            {
                label: '$(error) #9 ZeroDivisionError',
                description: 'calc.py',
                detail: 'not placed: the line was removed since abc1234 · 3 events',
            },
        );
        // Picking it still opens the file where the line used to be.
        assert.equal(pick.item.line, 12);
    });

    it('treats a note without a placement kind as not placed too', () => {
        const item = { incidentId: 4, title: 't', uri: 'file:///repo/a.py', line: 0, note: 'not placed: gone' };
        assert.equal(isUnplaced(item), true);
        assert.equal(isUnplaced({ ...item, note: undefined, placement: 'relocated' }), false);
        assert.equal(toPicks([item], (u) => u)[0].detail, 'not placed: gone');
    });
});

describe('wording', () => {
    it('says 1 event and 2 events', () => {
        assert.equal(plural(1, 'event'), '1 event');
        assert.equal(plural(2, 'incident'), '2 incidents');
    });

    it('shows times as UTC minutes, not ISO text', () => {
        assert.equal(formatWhen('2025-01-02T03:04:05.123+00:00'), '2025-01-02 03:04 UTC');
        assert.equal(formatWhen('not a time'), 'not a time');
    });

    it('confirms a quick fix that changed an incident', () => {
        assert.equal(confirmation('railguard.resolveIncident', [7]), 'Railguard: incident #7 resolved');
        assert.equal(confirmation('railguard.copyStackTrace', [7]), undefined);
        assert.equal(confirmation('railguard.resolveIncident', []), undefined);
    });
});

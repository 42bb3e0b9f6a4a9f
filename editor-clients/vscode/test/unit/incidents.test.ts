import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incidentIdOf, toPicks } from '../../src/incidents';

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
                    detail: '12 events · last seen 2025-01-02T03:04:05Z',
                },
                { label: '$(warning) #8 slow', description: 'db.py:1', detail: 'placement: changed' },
            ],
        );
    });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStatus, type RailguardStatus } from '../../src/status';

const connected: RailguardStatus = {
    connected: true,
    serverUrl: 'http://rg:8000',
    user: 'ana@example.com',
    problem: null,
    projects: [
        { folder: 'file:///repo', repository: 'github.com/acme/shop', projectId: 3, openIncidents: 2 },
        { folder: 'file:///lib', repository: 'github.com/acme/lib', projectId: null, openIncidents: 0 },
    ],
};

describe('formatStatus', () => {
    it('shows the open-incident count when connected', () => {
        assert.deepEqual(formatStatus(connected, 'running'), {
            text: '$(bug) 2',
            tooltip:
                'Railguard: connected to http://rg:8000 as ana@example.com\n' +
                'github.com/acme/shop: project 3, 2 open\n' +
                'github.com/acme/lib: no matching project',
            level: 'normal',
        });
    });

    it('shows a check mark with no open incidents', () => {
        const none = { ...connected, projects: [{ ...connected.projects[0]!, openIncidents: 0 }] };
        assert.equal(formatStatus(none, 'running').text, '$(pass) 0');
    });

    it('shows the monitors that are down, in the error colour', () => {
        const down = { ...connected, projects: [{ ...connected.projects[0]!, monitorsDown: 2 }] };
        const view = formatStatus(down, 'running');
        assert.equal(view.text, '$(bug) 2 $(arrow-down) 2');
        assert.equal(view.level, 'error');
        assert.match(view.tooltip, /project 3, 2 open, 2 monitors down/);
        const up = { ...connected, projects: [{ ...connected.projects[0]!, monitorsDown: 0 }] };
        assert.equal(formatStatus(up, 'running').text, '$(bug) 2');
    });

    it('warns when no folder matches a project', () => {
        const unmatched = { ...connected, projects: [connected.projects[1]!] };
        assert.equal(formatStatus(unmatched, 'running').level, 'warning');
    });

    it('shows the problem when disconnected', () => {
        const view = formatStatus({ ...connected, connected: false, problem: '401 invalid token' }, 'running');
        assert.equal(view.text, '$(warning) Railguard');
        assert.equal(view.level, 'warning');
        assert.match(view.tooltip, /401 invalid token \(http:\/\/rg:8000\)\nRun "Railguard: Log In"/);
    });

    it('names Railguard once when the problem already does', () => {
        const view = formatStatus({ ...connected, connected: false, problem: 'Railguard: no server configured' }, 'running');
        assert.match(view.tooltip, /^Railguard: no server configured/);
        assert.doesNotMatch(view.tooltip, /Railguard: Railguard:/);
    });

    it('covers starting and stopped', () => {
        assert.equal(formatStatus(undefined, 'starting').text, '$(sync~spin) Railguard');
        assert.equal(formatStatus(connected, 'stopped').level, 'error');
    });
});

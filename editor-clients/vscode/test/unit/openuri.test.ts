import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOpenRequest, placedTarget } from '../../src/openuri';

describe('parseOpenRequest', () => {
    it('reads the link the web app builds', () => {
        assert.deepEqual(parseOpenRequest('repository=github.com%2Facme%2Fshop&path=shop%2Fbilling.py&incident=7&line=2'), {
            incidentId: 7,
            path: 'shop/billing.py',
            line: 2,
            repository: 'github.com/acme/shop',
        });
    });

    it('refuses links that are not ours or that climb out of the workspace', () => {
        assert.equal(parseOpenRequest('path=a.py'), undefined);
        assert.equal(parseOpenRequest('incident=x&path=a.py'), undefined);
        assert.equal(parseOpenRequest('incident=7'), undefined);
        assert.equal(parseOpenRequest('incident=7&path=..%2F..%2Fetc%2Fpasswd'), undefined);
    });

    it('keeps a missing or bad line undefined', () => {
        assert.equal(parseOpenRequest('incident=7&path=a.py')?.line, undefined);
        assert.equal(parseOpenRequest('incident=7&path=a.py&line=-3')?.line, undefined);
    });
});

describe('placedTarget', () => {
    it('prefers where the language server placed the incident in this working copy', () => {
        const items = [
            { incidentId: 6, title: 'other', uri: 'file:///repo/x.py', line: 1 },
            { incidentId: 7, title: 'KeyError', uri: 'file:///repo/shop/billing.py', line: 11, character: 4 },
        ];
        const request = { incidentId: 7, path: 'shop/billing.py', line: 2 };
        assert.deepEqual(placedTarget(request, items), { uri: 'file:///repo/shop/billing.py', line: 11, character: 4 });
        assert.equal(placedTarget({ ...request, incidentId: 8 }, items), undefined);
    });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { login, LoginError } from '../../src/auth';

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit } = {}): typeof fetch {
    return (async (url: Parameters<typeof fetch>[0], init?: RequestInit) => {
        seen.url = String(url);
        seen.init = init;
        return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
}

describe('login', () => {
    it('posts the credentials with token_name vscode and returns the token', async () => {
        const seen: { url?: string; init?: RequestInit } = {};
        const token = await login('http://rg:8000/', 'a@b.c', 'pw', fakeFetch(200, { token: 'rgp_1' }, seen));
        assert.equal(token, 'rgp_1');
        assert.equal(seen.url, 'http://rg:8000/api/v1/auth/login');
        assert.equal(seen.init?.method, 'POST');
        assert.deepEqual(JSON.parse(String(seen.init?.body)), { email: 'a@b.c', password: 'pw', token_name: 'vscode' });
    });

    it("reports the backend's error", async () => {
        await assert.rejects(
            login('http://rg:8000', 'a@b.c', 'bad', fakeFetch(401, { error: 'invalid credentials', details: null })),
            new LoginError('login failed (401): invalid credentials'),
        );
    });

    it('rejects a bad URL and an answer without token', async () => {
        await assert.rejects(login('not a url', 'a', 'b', fakeFetch(200, {})), LoginError);
        await assert.rejects(login('http://rg', 'a', 'b', fakeFetch(200, {})), /no token/);
    });

    it('reports an unreachable server', async () => {
        const failing = (async () => {
            throw new TypeError('fetch failed');
        }) as typeof fetch;
        await assert.rejects(login('http://rg', 'a', 'b', failing), /cannot reach http:\/\/rg: fetch failed/);
    });
});

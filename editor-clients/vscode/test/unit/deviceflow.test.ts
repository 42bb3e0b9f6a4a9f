import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RailguardAuthProvider } from '../../src/authprovider';
import { DeviceCode, DeviceFlowError, GRANT_TYPE, pollForToken, startDeviceFlow } from '../../src/deviceflow';
import { StoredCredentials } from '../../src/settings';

interface Call {
    url: string;
    form: Record<string, string>;
}

/** A fetch answering each request with the next of `answers`, recording what was posted. */
function scripted(answers: [number, unknown][], calls: Call[] = []): typeof fetch {
    return (async (url: Parameters<typeof fetch>[0], init?: RequestInit) => {
        calls.push({ url: String(url), form: Object.fromEntries(new URLSearchParams(String(init?.body))) });
        const next = answers.shift();
        assert.ok(next, `unexpected request to ${String(url)}`);
        return new Response(JSON.stringify(next[1]), { status: next[0], headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
}

const CODE_ANSWER = {
    device_code: 'dev-secret',
    user_code: 'BCDF-GHJK',
    verification_uri: 'http://rg:8000/device',
    verification_uri_complete: 'http://rg:8000/device?user_code=BCDF-GHJK',
    expires_in: 600,
    interval: 5,
};
const TOKEN_ANSWER = { access_token: 'rgp_abc', token_type: 'Bearer', scope: 'read triage', token_id: 7 };

function code(overrides: Partial<DeviceCode> = {}): DeviceCode {
    return {
        deviceCode: 'dev-secret',
        userCode: 'BCDF-GHJK',
        verificationUri: 'http://rg:8000/device',
        verificationUriComplete: 'http://rg:8000/device?user_code=BCDF-GHJK',
        expiresIn: 600,
        interval: 5,
        ...overrides,
    };
}

describe('device flow', () => {
    it('starts with a form post naming the client and the device', async () => {
        const calls: Call[] = [];
        const started = await startDeviceFlow('http://rg:8000/', 'laptop', 'railguard-vscode', scripted([[200, CODE_ANSWER]], calls));
        assert.equal(calls[0]?.url, 'http://rg:8000/oauth/device/code');
        assert.deepEqual(calls[0]?.form, { client_id: 'railguard-vscode', device_name: 'laptop' });
        assert.equal(started.userCode, 'BCDF-GHJK');
        assert.equal(started.interval, 5);
    });

    it('polls at the interval, slows down when told, and returns the token', async () => {
        const calls: Call[] = [];
        const slept: number[] = [];
        const fetchFn = scripted(
            [
                [400, { error: 'authorization_pending', interval: 5 }],
                [400, { error: 'slow_down', interval: 10 }],
                [400, { error: 'authorization_pending', interval: 10 }],
                [200, TOKEN_ANSWER],
            ],
            calls,
        );
        const token = await pollForToken('http://rg:8000', code(), { fetchFn, sleep: async (ms) => void slept.push(ms), now: () => 0 });
        assert.deepEqual(token, { accessToken: 'rgp_abc', scope: 'read triage', tokenId: 7 });
        assert.deepEqual(slept, [5000, 5000, 10000, 10000]);
        assert.deepEqual(calls[0]?.form, { grant_type: GRANT_TYPE, device_code: 'dev-secret' });
    });

    it('stops on denial, expiry and cancellation with a clear message', async () => {
        const sleep = async (): Promise<void> => {};
        await assert.rejects(
            pollForToken('http://rg', code(), { fetchFn: scripted([[400, { error: 'access_denied' }]]), sleep }),
            /denied on the web page/,
        );
        await assert.rejects(
            pollForToken('http://rg', code(), { fetchFn: scripted([[400, { error: 'expired_token' }]]), sleep }),
            /expired before it was approved/,
        );
        await assert.rejects(pollForToken('http://rg', code(), { fetchFn: scripted([]), sleep, cancelled: () => true }), /cancelled/);
        let t = 0;
        const clock = { now: () => t, sleep: async (ms: number) => void (t += ms) };
        const pending = scripted(Array.from({ length: 5 }, (): [number, unknown] => [400, { error: 'authorization_pending' }]));
        await assert.rejects(pollForToken('http://rg', code({ expiresIn: 20 }), { fetchFn: pending, ...clock }), DeviceFlowError);
    });

    it('reports an unreachable server and a bad URL', async () => {
        const failing = (async () => {
            throw new TypeError('fetch failed');
        }) as typeof fetch;
        await assert.rejects(startDeviceFlow('http://rg', 'x', 'c', failing), /cannot reach http:\/\/rg: fetch failed/);
        await assert.rejects(startDeviceFlow('not a url', 'x', 'c', failing), /not a URL/);
    });
});

describe('authentication provider', () => {
    function memoryStore(initial?: StoredCredentials) {
        let value = initial;
        return {
            load: async () => value,
            store: async (c: StoredCredentials) => void (value = c),
            remove: async () => void (value = undefined),
            get value() {
                return value;
            },
        };
    }

    it('creates a session through the device flow and keeps it in the store', async () => {
        const store = memoryStore();
        const shown: string[] = [];
        const ui = {
            askServerUrl: async () => 'http://rg:8000/',
            showCode: async (c: DeviceCode) => void shown.push(c.userCode),
            waitCancellable: <T>(_title: string, task: (cancelled: () => boolean) => Promise<T>) => task(() => false),
        };
        const calls: Call[] = [];
        const fetchFn = scripted(
            [
                [200, CODE_ANSWER],
                [200, TOKEN_ANSWER],
                [200, { id: 7 }],
            ],
            calls,
        );
        const provider = new RailguardAuthProvider(store, ui, 'VS Code test', fetchFn, async () => {});
        const events: number[] = [];
        provider.onDidChangeSessions((e) => void events.push(e.added?.length ?? 0));
        const session = await provider.createSession();
        assert.equal(session.accessToken, 'rgp_abc');
        assert.deepEqual(session.scopes, ['read', 'triage']);
        assert.deepEqual(shown, ['BCDF-GHJK']);
        assert.deepEqual(store.value, { serverUrl: 'http://rg:8000', token: 'rgp_abc', scope: 'read triage', tokenId: 7 });
        assert.deepEqual(events, [1]);
        assert.equal((await provider.getSessions()).length, 1);
        await provider.removeSession();
        assert.equal(store.value, undefined);
        assert.equal(calls[2]?.url, 'http://rg:8000/api/v1/tokens/7', 'signing out revokes the token');
        assert.deepEqual(await provider.getSessions(), []);
    });

    it('stores nothing when the person cancels or the server denies', async () => {
        const store = memoryStore();
        const cancelling = {
            askServerUrl: async () => undefined,
            showCode: async () => {},
            waitCancellable: <T>(_t: string, task: (c: () => boolean) => Promise<T>) => task(() => false),
        };
        await assert.rejects(new RailguardAuthProvider(store, cancelling, 'x', scripted([])).createSession(), /cancelled/);
        const denying = { ...cancelling, askServerUrl: async () => 'http://rg:8000' };
        const fetchFn = scripted([
            [200, CODE_ANSWER],
            [400, { error: 'access_denied' }],
        ]);
        await assert.rejects(new RailguardAuthProvider(store, denying, 'x', fetchFn, async () => {}).createSession(), /denied/);
        assert.equal(store.value, undefined);
    });
});

/**
 * Signing in through the browser: the OAuth 2.0 device authorization grant (RFC 8628) the
 * Railguard server serves at `/oauth/device/code` and `/oauth/token` (docs/sign-in.md).
 * Pure: `fetch`, the clock and the sleep are injectable, so the unit tests need no network.
 */

export class DeviceFlowError extends Error {}

export interface DeviceCode {
    deviceCode: string;
    userCode: string;
    verificationUri: string;
    verificationUriComplete: string;
    expiresIn: number;
    interval: number;
}

export interface DeviceToken {
    accessToken: string;
    scope: string;
    tokenId: number;
}

export interface PollOptions {
    fetchFn?: typeof fetch;
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
    /** Checked before every poll: true stops the flow (the user cancelled). */
    cancelled?: () => boolean;
}

export const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

function base(serverUrl: string): string {
    const trimmed = serverUrl.trim().replace(/\/+$/, '');
    try {
        new URL(trimmed);
    } catch {
        throw new DeviceFlowError(`not a URL: ${serverUrl}`);
    }
    return trimmed;
}

async function post(fetchFn: typeof fetch, url: string, form: Record<string, string>): Promise<[number, Record<string, unknown>]> {
    let response: Response;
    try {
        response = await fetchFn(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            body: new URLSearchParams(form).toString(),
            signal: AbortSignal.timeout(15000),
        });
    } catch (e) {
        throw new DeviceFlowError(`cannot reach ${new URL(url).origin}: ${e instanceof Error ? e.message : String(e)}`);
    }
    let body: unknown;
    try {
        body = await response.json();
    } catch {
        body = undefined;
    }
    return [response.status, typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}];
}

/** Ask the server for a device code and the code the person types on the web page. */
export async function startDeviceFlow(
    serverUrl: string,
    deviceName: string,
    clientId = 'railguard-vscode',
    fetchFn: typeof fetch = fetch,
): Promise<DeviceCode> {
    const [status, body] = await post(fetchFn, `${base(serverUrl)}/oauth/device/code`, { client_id: clientId, device_name: deviceName });
    if (status !== 200 || typeof body.device_code !== 'string' || typeof body.user_code !== 'string') {
        const why = typeof body.error_description === 'string' ? body.error_description : `HTTP ${status}`;
        throw new DeviceFlowError(`sign-in could not start: ${why}`);
    }
    return {
        deviceCode: body.device_code,
        userCode: body.user_code,
        verificationUri: String(body.verification_uri),
        verificationUriComplete: String(body.verification_uri_complete ?? body.verification_uri),
        expiresIn: Number(body.expires_in) || 600,
        interval: Number(body.interval) || 5,
    };
}

/** Poll until the person approves (the token), denies, or the codes expire (errors). */
export async function pollForToken(serverUrl: string, code: DeviceCode, options: PollOptions = {}): Promise<DeviceToken> {
    const fetchFn = options.fetchFn ?? fetch;
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const now = options.now ?? Date.now;
    const deadline = now() + code.expiresIn * 1000;
    let interval = code.interval;
    const url = `${base(serverUrl)}/oauth/token`;
    while (now() < deadline) {
        await sleep(interval * 1000);
        if (options.cancelled?.()) {
            throw new DeviceFlowError('sign-in cancelled');
        }
        const [status, body] = await post(fetchFn, url, { grant_type: GRANT_TYPE, device_code: code.deviceCode });
        if (status === 200 && typeof body.access_token === 'string') {
            return { accessToken: body.access_token, scope: String(body.scope ?? ''), tokenId: Number(body.token_id) };
        }
        switch (body.error) {
            case 'authorization_pending':
                continue;
            case 'slow_down':
                interval = typeof body.interval === 'number' ? body.interval : interval + 5;
                continue;
            case 'access_denied':
                throw new DeviceFlowError('the sign-in was denied on the web page');
            case 'expired_token':
                throw new DeviceFlowError('the code expired before it was approved; sign in again');
            default:
                throw new DeviceFlowError(`sign-in failed: ${typeof body.error_description === 'string' ? body.error_description : `HTTP ${status}`}`);
        }
    }
    throw new DeviceFlowError('the code expired before it was approved; sign in again');
}

/** Best effort: revoke the token on the server (signing out); false when that did not work. */
export async function revokeToken(serverUrl: string, token: string, tokenId: number, fetchFn: typeof fetch = fetch): Promise<boolean> {
    try {
        const response = await fetchFn(`${base(serverUrl)}/api/v1/tokens/${tokenId}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
            signal: AbortSignal.timeout(10000),
        });
        return response.ok;
    } catch {
        return false;
    }
}

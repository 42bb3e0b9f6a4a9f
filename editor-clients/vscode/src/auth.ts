/**
 * `Railguard: Log In` without the CLI: `POST /api/v1/auth/login` with
 * `{"email", "password", "token_name": "vscode"}` answers `{"token": "rgp_…"}`.
 * `fetch` is injectable so the unit tests need no network.
 */

export class LoginError extends Error {}

export async function login(
    serverUrl: string,
    email: string,
    password: string,
    fetchFn: typeof fetch = fetch,
): Promise<string> {
    const base = serverUrl.trim().replace(/\/+$/, '');
    let url: URL;
    try {
        url = new URL(`${base}/api/v1/auth/login`);
    } catch {
        throw new LoginError(`not a URL: ${serverUrl}`);
    }
    let response: Response;
    try {
        response = await fetchFn(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ email, password, token_name: 'vscode' }),
            signal: AbortSignal.timeout(15000),
        });
    } catch (e) {
        throw new LoginError(`cannot reach ${base}: ${e instanceof Error ? e.message : String(e)}`);
    }
    let body: unknown;
    try {
        body = await response.json();
    } catch {
        body = undefined;
    }
    if (!response.ok) {
        // Errors at the backend boundary look like {"error": …, "details": …}.
        const error = (body as { error?: unknown } | undefined)?.error;
        throw new LoginError(`login failed (${response.status}): ${typeof error === 'string' ? error : response.statusText}`);
    }
    const token = (body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') {
        throw new LoginError('login answer has no token');
    }
    return token;
}

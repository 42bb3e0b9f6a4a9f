// A real OpenID Connect provider for the single sign-on tests: oidc-provider on loopback.
// argv: port, redirect URI of the Railguard under test. Accounts: `ada` (verified email),
// `eve` (unverified email claiming ada's address), `new` (a verified email no account has).
// The development interactions serve the login and consent forms; any password is accepted.
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const accounts = {
  ada: { email: 'ada@example.com', email_verified: true },
  eve: { email: 'ada@example.com', email_verified: false },
  grace: { email: 'grace@example.org', email_verified: true },
  mallory: { email: 'mallory@elsewhere.test', email_verified: true },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'railguard',
    client_secret: 'railguard-test-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'email'],
  cookies: { keys: ['railguard-test-cookie-key'] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});
provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`listening ${port}\n`);
});

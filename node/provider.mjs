// An independent OpenID provider for cross-checking the conformance kit:
// oidc-provider with a public and a confidential client, one user, and its
// development login and consent pages. It listens on 127.0.0.1 on a free
// port and prints one JSON line with the issuer when it is ready.
import http from 'node:http';
import Provider from 'oidc-provider';

const redirect = 'http://127.0.0.1/callback';

const users = new Map([
  ['alice', { sub: 'alice', name: 'Alice Andersen', given_name: 'Alice', family_name: 'Andersen', email: 'alice@example.com', email_verified: true }],
  ['bob', { sub: 'bob', name: 'Bob Brown', given_name: 'Bob', family_name: 'Brown', email: 'bob@example.com', email_verified: false }],
]);

const configuration = {
  clients: [
    {
      client_id: 'conf-web',
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      redirect_uris: [redirect],
      post_logout_redirect_uris: [redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      client_id: 'conf-backend',
      client_secret: 'conf-backend-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    },
    {
      client_id: 'conf-second',
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      redirect_uris: ['http://127.0.0.1/second'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
  async findAccount(ctx, id) {
    // The development login form accepts any login; unknown names become
    // accounts with only a subject.
    const claims = users.get(id) || { sub: id };
    return { accountId: id, async claims() { return claims; } };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    claimsParameter: { enabled: true },
    backchannelLogout: { enabled: true },
  },

  pkce: { required: () => true },
  // Issue refresh tokens for every code flow, as Keycloak does, not only
  // with offline_access.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  cookies: { keys: ['conformance-crosscheck-cookie-key'] },
  // oidc-provider refuses outgoing requests to special-use addresses such as
  // loopback, against server-side request forgery. The kit receives logout
  // tokens on loopback, so this test provider drops that guard.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return fetch(url, rest);
  },
};

// The kit listens for logout tokens at this loopback URL when it is set.
if (process.env.BACKCHANNEL_LOGOUT_URI) {
  configuration.clients[0].backchannel_logout_uri = process.env.BACKCHANNEL_LOGOUT_URI;
  configuration.clients[0].backchannel_logout_session_required = true;
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, configuration);
  provider.on('backchannel.error', (ctx, err, client) => {
    process.stderr.write(`backchannel logout to ${client.clientId} failed: ${err.message}${err.cause ? ` (${err.cause.message || err.cause.code})` : ""}\n`);
  });
  server.on('request', provider.callback());
  process.stdout.write(JSON.stringify({ issuer }) + '\n');
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

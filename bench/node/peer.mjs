// Starts one Node peer on 127.0.0.1 for the smartmate-mock benchmark.
//
//   node peer.mjs oauth2-mock-server PORT
//   node peer.mjs oidc-provider PORT
//
// It prints "ready" on stdout once the peer accepts connections and runs
// until it receives SIGTERM. Both peers sign access tokens with RS256, so
// their client-credentials rate compares with the emulator's.

import { generateKeyPairSync } from 'node:crypto';

const [name, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (!name || !Number.isInteger(port) || port <= 0) {
  console.error('usage: node peer.mjs oauth2-mock-server|oidc-provider PORT');
  process.exit(2);
}
const host = '127.0.0.1';
const issuer = `http://${host}:${port}`;

async function startOAuth2MockServer() {
  const { OAuth2Server } = await import('oauth2-mock-server');
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(port, host);
  return () => server.stop();
}

async function startOIDCProvider() {
  const { default: Provider } = await import('oidc-provider');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'bench' };
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [{
      client_id: 'bench-client',
      client_secret: 'bench-secret',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    }],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // A resource server with the JWT format makes client-credentials
      // tokens signed RS256 JWTs instead of opaque handles.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:bench:api',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api',
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  const server = provider.listen(port, host);
  await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return () => new Promise((resolve) => server.close(resolve));
}

const starters = {
  'oauth2-mock-server': startOAuth2MockServer,
  'oidc-provider': startOIDCProvider,
};
const start = starters[name];
if (!start) {
  console.error(`unknown peer ${name}: use oauth2-mock-server or oidc-provider`);
  process.exit(2);
}

const stop = await start();
console.log('ready');
process.on('SIGTERM', async () => {
  await stop();
  process.exit(0);
});

// Runs openid-client calls for the Go interop tests, one process for the
// whole test package. The Go test writes one JSON request per line to
// stdin, {"id": 1, "op": "password", "args": {...}}, and reads one JSON
// response per line from stdout, {"id": 1, "result": {...}} or
// {"id": 1, "error": {...}}. Requests run concurrently, so responses can
// come back out of order. The process exits when stdin closes.
//
// Each call uses openid-client as its documentation shows. The one
// addition is allowInsecureRequests, because the emulator serves plain
// HTTP on 127.0.0.1.
import * as client from 'openid-client'
import { createInterface } from 'node:readline'

/** Configurations from discovery, by the name the test gave them. */
const configs = new Map()

/** PKCE verifier, state and nonce of each started login, by login id. */
const logins = new Map()
let nextLogin = 1

function config (name) {
  const c = configs.get(name)
  if (!c) {
    throw new Error(`no configuration named ${JSON.stringify(name)}: call discover first`)
  }
  return c
}

/** Returns the members of a token endpoint response and its ID token claims. */
function tokenResult (tokens) {
  return {
    access_token: tokens.access_token,
    token_type: tokens.token_type,
    expires_in: tokens.expiresIn(),
    refresh_token: tokens.refresh_token,
    id_token: tokens.id_token,
    scope: tokens.scope,
    claims: tokens.claims() ?? null
  }
}

const ops = {
  async discover ({ name, issuer, clientId, clientSecret, nonRepudiation }) {
    const execute = [client.allowInsecureRequests]
    if (nonRepudiation) {
      execute.push(client.enableNonRepudiationChecks)
    }
    const c = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, { execute })
    configs.set(name, c)
    return c.serverMetadata()
  },

  // Copies the JWKS cache of one configuration to another, made older by
  // ageSeconds, the way getJwksCache and setJwksCache carry a cache from
  // one process to the next. openid-client fetches the JWKS again for an
  // unknown kid only when its cache is at least 60 seconds old.
  async copyJwksCache ({ from, to, ageSeconds }) {
    const cache = client.getJwksCache(config(from))
    if (!cache) {
      throw new Error(`configuration ${JSON.stringify(from)} has no JWKS cache yet`)
    }
    client.setJwksCache(config(to), { ...cache, uat: cache.uat - ageSeconds })
    return {}
  },

  async clientCredentials ({ config: name, scope }) {
    const params = scope ? { scope } : {}
    const tokens = await client.clientCredentialsGrant(config(name), params)
    return tokenResult(tokens)
  },

  async password ({ config: name, username, password, scope }) {
    const tokens = await client.genericGrantRequest(config(name), 'password', { username, password, scope })
    return tokenResult(tokens)
  },

  async authorizationUrl ({ config: name, redirectUri, scope }) {
    const codeVerifier = client.randomPKCECodeVerifier()
    const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier)
    const state = client.randomState()
    const nonce = client.randomNonce()
    const url = client.buildAuthorizationUrl(config(name), {
      redirect_uri: redirectUri,
      scope,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      state,
      nonce
    })
    const id = String(nextLogin++)
    logins.set(id, { codeVerifier, state, nonce })
    return { url: url.href, login: id, state, nonce }
  },

  async callback ({ config: name, login, url }) {
    const started = logins.get(login)
    if (!started) {
      throw new Error(`no login with id ${JSON.stringify(login)}`)
    }
    logins.delete(login)
    const tokens = await client.authorizationCodeGrant(config(name), new URL(url), {
      pkceCodeVerifier: started.codeVerifier,
      expectedState: started.state,
      expectedNonce: started.nonce
    })
    return tokenResult(tokens)
  },

  async refresh ({ config: name, refreshToken }) {
    return tokenResult(await client.refreshTokenGrant(config(name), refreshToken))
  },

  async userinfo ({ config: name, accessToken, subject }) {
    return await client.fetchUserInfo(config(name), accessToken, subject)
  },

  async introspect ({ config: name, token }) {
    return await client.tokenIntrospection(config(name), token)
  },

  async revoke ({ config: name, token }) {
    await client.tokenRevocation(config(name), token)
    return {}
  },

  async endSessionUrl ({ config: name, idTokenHint, postLogoutRedirectUri, state }) {
    const url = client.buildEndSessionUrl(config(name), {
      id_token_hint: idTokenHint,
      post_logout_redirect_uri: postLogoutRedirectUri,
      state
    })
    return { url: url.href }
  }
}

/** Returns what the Go test needs to know about a failed call. */
function describeError (err) {
  const out = { name: err?.name ?? 'Error', message: String(err?.message ?? err) }
  if (err?.code) out.code = err.code
  if (err?.error) out.error = err.error
  if (err?.error_description) out.error_description = err.error_description
  if (err?.status) out.status = err.status
  if (err?.cause instanceof Error) out.cause = err.cause.message
  return out
}

function send (message) {
  process.stdout.write(JSON.stringify(message) + '\n')
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
lines.on('line', async (line) => {
  if (line.trim() === '') return
  let request
  try {
    request = JSON.parse(line)
  } catch (err) {
    send({ id: 0, error: { name: 'SyntaxError', message: `request is not JSON: ${err.message}` } })
    return
  }
  const op = ops[request.op]
  if (!op) {
    send({ id: request.id, error: { name: 'Error', message: `unknown op ${JSON.stringify(request.op)}` } })
    return
  }
  try {
    send({ id: request.id, result: await op(request.args ?? {}) })
  } catch (err) {
    send({ id: request.id, error: describeError(err) })
  }
})

// Starts keycloak-js the way its documentation shows and records the
// outcome of init in window.interop, where the Go test reads it. The query
// parameter "mode" chooses the init options: login-required (the
// default), login-required-defaults (with the session check iframe),
// check-sso, or check-sso-silent (check-sso with the hidden iframe of
// silent-check-sso.html, and the session check iframe).
import Keycloak from '/keycloak-js/keycloak.js'

/** Returns a JSON-friendly description of what keycloak-js threw. */
function describe (err) {
  if (err instanceof Error) return err.message
  if (err && typeof err === 'object') return JSON.stringify(err)
  return String(err)
}

const mode = new URLSearchParams(location.search).get('mode') ?? 'login-required'
window.interop = { mode, done: false }

const config = await (await fetch('/config.json')).json()
const keycloak = new Keycloak({ url: config.url, realm: config.realm, clientId: config.clientId })
window.keycloak = keycloak

// The session check iframe is off in modes login-required and check-sso,
// so that those modes test the redirect flows alone.
const options = { pkceMethod: 'S256', checkLoginIframe: false }
switch (mode) {
  case 'login-required':
    options.onLoad = 'login-required'
    break
  case 'login-required-defaults':
    options.onLoad = 'login-required'
    delete options.checkLoginIframe
    options.messageReceiveTimeout = 5000
    break
  case 'check-sso':
    options.onLoad = 'check-sso'
    break
  case 'check-sso-silent':
    options.onLoad = 'check-sso'
    delete options.checkLoginIframe
    options.silentCheckSsoRedirectUri = `${location.origin}/silent-check-sso.html`
    options.messageReceiveTimeout = 5000
    break
  default:
    window.interop.error = `unknown mode ${mode}`
}

if (!window.interop.error) {
  try {
    window.interop.authenticated = await keycloak.init(options)
  } catch (err) {
    window.interop.error = describe(err)
  }
}
window.interop.done = true
document.getElementById('status').textContent = JSON.stringify(window.interop)

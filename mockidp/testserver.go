package mockidp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/protocol"
)

// TestServer is an emulator listening on a loopback port, for tests, in the
// manner of net/http/httptest.Server. Each TestServer has its own realms,
// sessions and clock, so parallel tests never share state.
//
// Its helper methods fail the test through tb.Fatalf, so call them from the
// test's goroutine. On a TestServer from StartTestServer, which has no
// testing.TB, they panic instead, as httptest.NewServer does.
type TestServer struct {
	srv   *httptest.Server
	idp   *Server
	clock *clock.Fake // nil when WithClock set another clock
	tb    testing.TB  // nil for StartTestServer
}

// NewTestServer starts an emulator on a 127.0.0.1 port with the embedded
// demo realm and the realms that opts add, and closes it when the test
// ends. The frontend URL is the listener's URL, so every issuer is
// http://127.0.0.1:{port}/realms/{realm}. The clock is a clock.Fake set to
// the current time, truncated to the second, unless WithClock gives
// another. Records of rejected requests go to tb.Log unless WithLogger is
// given.
//
// Realm files without keys get generated 2048-bit keys, which is slow (see
// RealmBuilder.SigningKey), so give such realms fixed keys with
// WithRealmKeys or RealmBuilder.SigningKey.
func NewTestServer(tb testing.TB, opts ...Option) *TestServer {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(testLogWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ts, err := startTestServer(tb, append([]Option{WithLogger(log)}, opts...))
	if err != nil {
		tb.Fatalf("mockidp: starting the test server failed: %v", err)
	}
	tb.Cleanup(ts.Close)
	return ts
}

// StartTestServer starts a TestServer outside a test, for examples and
// TestMain. The caller must call Close. Its helper methods panic on errors.
func StartTestServer(opts ...Option) (*TestServer, error) {
	return startTestServer(nil, opts)
}

func startTestServer(tb testing.TB, opts []Option) (*TestServer, error) {
	// Apply the options to a scratch config first, to learn the relative
	// path and whether the caller chose a clock before New runs. Options
	// only set config fields, so applying them twice is harmless.
	var probe config
	for _, opt := range opts {
		opt(&probe)
	}
	fake := clock.NewFake(time.Now().Truncate(time.Second))
	if probe.clock != nil {
		fake, _ = probe.clock.(*clock.Fake)
	}

	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	all := []Option{WithFrontendURL(base + probe.relativePath)}
	if fake != nil {
		all = append(all, WithClock(fake))
	}
	idp, err := New(append(all, opts...)...)
	if err != nil {
		srv.Close()
		return nil, err
	}
	srv.Config.Handler = idp
	srv.Start()
	ts := &TestServer{srv: srv, idp: idp, clock: fake, tb: tb}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := idp.WaitReady(ctx); err != nil {
		ts.Close()
		return nil, err
	}
	return ts, nil
}

// Close shuts the server down and blocks until every request has finished.
// NewTestServer calls it when the test ends.
func (ts *TestServer) Close() { ts.srv.Close() }

// URL returns the base URL of the server, http://127.0.0.1:{port}, without
// the relative path.
func (ts *TestServer) URL() string { return ts.srv.URL }

// Issuer returns the issuer of realm, which is also the URL that OpenID
// Connect discovery starts from.
func (ts *TestServer) Issuer(realm string) string { return ts.idp.Issuer(realm) }

// Client returns an HTTP client for the server, as httptest.Server.Client
// does.
func (ts *TestServer) Client() *http.Client { return ts.srv.Client() }

// Clock returns the server's fake clock, which token lifetimes, sessions
// and codes read. Advance it to expire tokens. It returns nil when
// WithClock set a clock that is not a *clock.Fake.
func (ts *TestServer) Clock() *clock.Fake { return ts.clock }

// Emulator returns the emulator behind the listener, to read its realms.
func (ts *TestServer) Emulator() *Server { return ts.idp }

// Tokens are the tokens of one token response.
type Tokens struct {
	AccessToken string
	TokenType   string
	// IDToken is empty unless the openid scope was granted.
	IDToken string
	// RefreshToken is empty when the grant issues none, as the client
	// credentials grant does unless the client enables it.
	RefreshToken string
	// Expiry is when the access token expires, on the server's clock.
	Expiry time.Time
	// RefreshExpiry is when the refresh token expires, on the server's
	// clock. It is zero for offline tokens and when there is no refresh
	// token.
	RefreshExpiry time.Time
	Scope         string
	SessionState  string
}

// OAuth2 returns the tokens as an x/oauth2 token, the ID token as its
// "id_token" extra. x/oauth2 compares Expiry with the system clock, so a
// token that is only expired on the server's fake clock still looks valid.
func (t *Tokens) OAuth2() *oauth2.Token {
	tok := &oauth2.Token{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry,
	}
	return tok.WithExtra(map[string]any{"id_token": t.IDToken, "scope": t.Scope})
}

// ClientCredentialsToken obtains a service-account token for the client
// through the token endpoint, with the secret in an HTTP Basic header.
func (ts *TestServer) ClientCredentialsToken(realm, clientID, secret string, scopes ...string) *Tokens {
	if ts.tb != nil {
		ts.tb.Helper()
	}
	form := url.Values{"grant_type": {protocol.GrantClientCredentials}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	tokens, err := ts.postToken(realm, clientID, secret, form)
	if err != nil {
		ts.fail("mockidp: client credentials token for client %q of realm %q: %v", clientID, realm, err)
	}
	return tokens
}

// UserTokens obtains tokens for a user without the login page. Include
// "openid" in scopes for an ID token. The password must match the user's.
//
// When the client allows the password grant, the tokens come from the
// token endpoint. Otherwise, as for a public client that only uses the
// browser login, they are issued directly for a new session of the user,
// through the same claims as a browser login.
func (ts *TestServer) UserTokens(realm, clientID, username, password string, scopes ...string) *Tokens {
	if ts.tb != nil {
		ts.tb.Helper()
	}
	tokens, err := ts.userTokens(realm, clientID, username, password, strings.Join(scopes, " "))
	if err != nil {
		ts.fail("mockidp: tokens for user %q of client %q in realm %q: %v", username, clientID, realm, err)
	}
	return tokens
}

func (ts *TestServer) userTokens(realmName, clientID, username, password, scope string) (*Tokens, error) {
	realm, ok := ts.idp.Realm(realmName)
	if !ok {
		return nil, fmt.Errorf("realm %q not found", realmName)
	}
	client, ok := realm.Client(clientID)
	if !ok {
		return nil, fmt.Errorf("client %q not found", clientID)
	}
	if client.DirectAccessGrants {
		form := url.Values{
			"grant_type": {protocol.GrantPassword},
			"username":   {username},
			"password":   {password},
		}
		if scope != "" {
			form.Set("scope", scope)
		}
		return ts.postToken(realmName, clientID, client.Secret, form)
	}
	return ts.issueUserTokens(realm, client, username, password, scope)
}

// issueUserTokens issues tokens as a completed browser login would: a new
// user session, acr "1", and a refresh token when the client uses them.
func (ts *TestServer) issueUserTokens(realm *Realm, client *Client, username, password, scope string) (*Tokens, error) {
	if !realm.Enabled {
		return nil, fmt.Errorf("realm %q is disabled", realm.Name)
	}
	if !client.Enabled {
		return nil, fmt.Errorf("client %q is disabled", client.ClientID)
	}
	if client.BearerOnly {
		return nil, fmt.Errorf("client %q is bearer-only and cannot obtain tokens", client.ClientID)
	}
	if !client.StandardFlow {
		return nil, fmt.Errorf("client %q allows neither the browser login (standard flow) nor the password grant (direct access grants)", client.ClientID)
	}

	user, err := checkUserCredentials(realm, username, password)
	if err != nil {
		return nil, err
	}
	scopes, err := grantScopes(client, scope)
	if err != nil {
		return nil, err
	}
	keys, err := realm.keys.material(context.Background())
	if err != nil {
		return nil, err
	}

	s := ts.idp
	now := s.clock.Now()
	session := realm.sessions.create(user.ID, now, realm.SSOSessionIdle, realm.SSOSessionMax)
	session.offline = scopes.has("offline_access")
	session.touch(client.ClientID, now, realm.SSOSessionIdle, realm.SSOSessionMax)
	g := &grantContext{
		realm: realm, client: client, user: user, session: session,
		issuer: s.Issuer(realm.Name), now: now, scope: scopes, acr: "1",
	}
	resp, err := s.issueTokens(&realmContext{realm: realm, issuer: g.issuer, keys: keys}, g, client.UseRefreshTokens)
	if err != nil {
		return nil, err
	}
	return ts.tokensFrom(resp, now), nil
}

// SignToken signs claims, exactly as given, with the realm's active RS256
// key and returns the compact JWS. Its header carries the key's kid and
// typ "JWT", as the realm's own tokens do, so the realm's JWKS verifies it.
// Use it for tokens that no grant issues, such as ones with odd claims.
func (ts *TestServer) SignToken(realm string, claims map[string]any) string {
	if ts.tb != nil {
		ts.tb.Helper()
	}
	token, err := ts.signToken(realm, claims)
	if err != nil {
		ts.fail("mockidp: signing a token for realm %q: %v", realm, err)
	}
	return token
}

func (ts *TestServer) signToken(realmName string, claims map[string]any) (string, error) {
	realm, ok := ts.idp.Realm(realmName)
	if !ok {
		return "", fmt.Errorf("realm %q not found", realmName)
	}
	keys, err := realm.keys.material(context.Background())
	if err != nil {
		return "", err
	}
	return signJSON(keys.signer, claims)
}

// postToken sends a token request and decodes the response.
func (ts *TestServer) postToken(realm, clientID, secret string, form url.Values) (*Tokens, error) {
	if secret == "" {
		form.Set("client_id", clientID)
	}

	endpoint := ts.Issuer(realm) + "/protocol/openid-connect/token"
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}

	now := ts.idp.clock.Now()
	resp, err := ts.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}

	if resp.StatusCode != http.StatusOK {
		var pe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(body, &pe) == nil && pe.Error != "" {
			return nil, fmt.Errorf("token endpoint returned %d %s: %s", resp.StatusCode, pe.Error, pe.Description)
		}
		return nil, fmt.Errorf("token endpoint returned %d: %q", resp.StatusCode, body)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("decoding the token response: %w", err)
	}
	return ts.tokensFrom(&tr, now), nil
}

func (ts *TestServer) tokensFrom(tr *tokenResponse, now time.Time) *Tokens {
	t := &Tokens{
		AccessToken:  tr.AccessToken,
		TokenType:    tr.TokenType,
		IDToken:      tr.IDToken,
		RefreshToken: tr.RefreshToken,
		Expiry:       now.Add(time.Duration(tr.ExpiresIn) * time.Second),
		Scope:        tr.Scope,
		SessionState: tr.SessionState,
	}
	if tr.RefreshToken != "" && tr.RefreshExpiresIn > 0 {
		t.RefreshExpiry = now.Add(time.Duration(tr.RefreshExpiresIn) * time.Second)
	}
	return t
}

func (ts *TestServer) fail(format string, args ...any) {
	if ts.tb == nil {
		panic(fmt.Sprintf(format, args...))
	}
	ts.tb.Helper()
	ts.tb.Fatalf(format, args...)
}

// testLogWriter sends the emulator's log records to the test log, which
// go test shows for failed tests and with -v.
type testLogWriter struct{ tb testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

package protocol

// Error codes from RFC 6749 section 5.2, RFC 6750 section 3.1, RFC 7009
// section 2.2.1 and OpenID Connect Core 1.0 section 3.1.2.6.
const (
	ErrInvalidRequest          = "invalid_request"
	ErrInvalidClient           = "invalid_client"
	ErrInvalidGrant            = "invalid_grant"
	ErrUnauthorizedClient      = "unauthorized_client"
	ErrUnsupportedGrantType    = "unsupported_grant_type"
	ErrUnsupportedResponseType = "unsupported_response_type"
	ErrInvalidScope            = "invalid_scope"
	ErrAccessDenied            = "access_denied"
	ErrServerError             = "server_error"
	ErrInvalidToken            = "invalid_token"
	ErrInsufficientScope       = "insufficient_scope"
	ErrUnsupportedTokenType    = "unsupported_token_type"
	ErrLoginRequired           = "login_required"
	ErrInteractionRequired     = "interaction_required"
	ErrConsentRequired         = "consent_required"
	ErrRequestNotSupported     = "request_not_supported"
	ErrRequestURINotSupported  = "request_uri_not_supported"
	ErrInvalidRequestObject    = "invalid_request_object"
	ErrInvalidRequestURI       = "invalid_request_uri"
	ErrNotFound                = "not_found"
)

// Grant types accepted at the token endpoint (RFC 6749 section 4).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
	GrantPassword          = "password"
	GrantRefreshToken      = "refresh_token"
	GrantImplicit          = "implicit"
)

// Response types and modes of the authorization endpoint (OAuth 2.0 Multiple
// Response Type Encoding Practices, and the Form Post Response Mode).
const (
	ResponseTypeCode    = "code"
	ResponseTypeIDToken = "id_token"
	ResponseTypeToken   = "token"
	ResponseTypeNone    = "none"

	ResponseModeQuery    = "query"
	ResponseModeFragment = "fragment"
	ResponseModeFormPost = "form_post"
)

// PKCE code challenge methods (RFC 7636 section 4.2).
const (
	PKCEMethodPlain = "plain"
	PKCEMethodS256  = "S256"
)

// Scope values with a defined meaning.
const (
	ScopeOpenID        = "openid"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopeOfflineAccess = "offline_access"
)

// Keycloak's "typ" claim values. Keycloak 26 sets a "typ" claim in the payload
// of every token it issues, which resource servers use to tell access tokens
// from ID and refresh tokens.
const (
	TokenTypeBearer  = "Bearer"
	TokenTypeID      = "ID"
	TokenTypeRefresh = "Refresh"
	TokenTypeOffline = "Offline"
	TokenTypeLogout  = "Logout"
)

// Token type hints (RFC 7009 section 2.1, RFC 7662 section 2.1).
const (
	HintAccessToken  = "access_token"
	HintRefreshToken = "refresh_token"
)

// Registered claim names (RFC 7519 section 4.1, OpenID Connect Core 1.0
// sections 2 and 5.1) and the Keycloak claims that resource servers read.
const (
	ClaimIssuer            = "iss"
	ClaimSubject           = "sub"
	ClaimAudience          = "aud"
	ClaimExpiry            = "exp"
	ClaimNotBefore         = "nbf"
	ClaimIssuedAt          = "iat"
	ClaimJWTID             = "jti"
	ClaimAuthTime          = "auth_time"
	ClaimNonce             = "nonce"
	ClaimACR               = "acr"
	ClaimAZP               = "azp"
	ClaimSessionID         = "sid"
	ClaimAccessTokenHash   = "at_hash"
	ClaimCodeHash          = "c_hash"
	ClaimScope             = "scope"
	ClaimType              = "typ"
	ClaimName              = "name"
	ClaimGivenName         = "given_name"
	ClaimFamilyName        = "family_name"
	ClaimPreferredUsername = "preferred_username"
	ClaimEmail             = "email"
	ClaimEmailVerified     = "email_verified"
	ClaimClientID          = "client_id"
	ClaimEvents            = "events"

	// Keycloak-specific claims.
	ClaimRealmAccess    = "realm_access"
	ClaimResourceAccess = "resource_access"
	ClaimAllowedOrigins = "allowed-origins"
	ClaimClientHost     = "clientHost"
	ClaimClientAddress  = "clientAddress"
)

// EventBackChannelLogout is the event member of a logout token
// (OpenID Connect Back-Channel Logout 1.0 section 2.4).
const EventBackChannelLogout = "http://schemas.openid.net/event/backchannel-logout"

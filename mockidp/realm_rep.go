package mockidp

import "encoding/json"

// The types below mirror the parts of Keycloak's realm representation
// (RealmRepresentation and its members, Keycloak 26) that the emulator reads.
// Pointers distinguish an absent value, which gets Keycloak's import default,
// from a zero value.

type realmRep struct {
	ID                        string                       `json:"id"`
	Realm                     string                       `json:"realm"`
	DisplayName               string                       `json:"displayName"`
	Enabled                   *bool                        `json:"enabled"`
	SSLRequired               string                       `json:"sslRequired"`
	AccessTokenLifespan       *int64                       `json:"accessTokenLifespan"`
	AccessTokenLifespanImpl   *int64                       `json:"accessTokenLifespanForImplicitFlow"`
	AccessCodeLifespan        *int64                       `json:"accessCodeLifespan"`
	AccessCodeLifespanUser    *int64                       `json:"accessCodeLifespanUserAction"`
	AccessCodeLifespanLogin   *int64                       `json:"accessCodeLifespanLogin"`
	SSOSessionIdleTimeout     *int64                       `json:"ssoSessionIdleTimeout"`
	SSOSessionMaxLifespan     *int64                       `json:"ssoSessionMaxLifespan"`
	OfflineSessionIdleTimeout *int64                       `json:"offlineSessionIdleTimeout"`
	RevokeRefreshToken        *bool                        `json:"revokeRefreshToken"`
	RefreshTokenMaxReuse      *int64                       `json:"refreshTokenMaxReuse"`
	LoginWithEmailAllowed     *bool                        `json:"loginWithEmailAllowed"`
	DefaultSignatureAlgorithm string                       `json:"defaultSignatureAlgorithm"`
	NotBefore                 *int64                       `json:"notBefore"`
	Roles                     *rolesRep                    `json:"roles"`
	DefaultRole               *roleRep                     `json:"defaultRole"`
	DefaultRoles              []string                     `json:"defaultRoles"`
	Users                     []json.RawMessage            `json:"users"`
	Clients                   []json.RawMessage            `json:"clients"`
	Components                map[string][]json.RawMessage `json:"components"`
	Attributes                map[string]string            `json:"attributes"`
}

// realmKnown lists the realm fields that are read, and realmIgnored the
// descriptive fields that exports carry and that change nothing here, so
// they are skipped without a warning.
var (
	realmKnown   = fieldSet(realmRep{})
	realmIgnored = map[string]bool{
		"keycloakVersion": true, "displayNameHtml": true, "createdTimestamp": true,
		"actionTokenGeneratedByAdminLifespan": true, "actionTokenGeneratedByUserLifespan": true,
		"oauth2DeviceCodeLifespan": true, "oauth2DevicePollingInterval": true,
		"offlineSessionMaxLifespanEnabled": true, "offlineSessionMaxLifespan": true,
		"clientSessionIdleTimeout": true, "clientSessionMaxLifespan": true,
		"clientOfflineSessionIdleTimeout": true, "clientOfflineSessionMaxLifespan": true,
		"ssoSessionIdleTimeoutRememberMe": true, "ssoSessionMaxLifespanRememberMe": true,
		"registrationAllowed": true, "registrationEmailAsUsername": true, "rememberMe": true,
		"verifyEmail": true, "duplicateEmailsAllowed": true,
		"resetPasswordAllowed": true, "editUsernameAllowed": true, "bruteForceProtected": true,
		"permanentLockout": true, "maxFailureWaitSeconds": true, "minimumQuickLoginWaitSeconds": true,
		"waitIncrementSeconds": true, "quickLoginCheckMilliSeconds": true, "maxDeltaTimeSeconds": true,
		"failureFactor": true, "maxTemporaryLockouts": true, "eventsEnabled": true, "eventsListeners": true,
		"enabledEventTypes": true, "adminEventsEnabled": true, "adminEventsDetailsEnabled": true,
		"internationalizationEnabled": true, "supportedLocales": true, "defaultLocale": true,
		"otpPolicyType": true, "otpPolicyAlgorithm": true, "otpPolicyInitialCounter": true,
		"otpPolicyDigits": true, "otpPolicyLookAheadWindow": true, "otpPolicyPeriod": true,
		"otpPolicyCodeReusable": true, "otpSupportedApplications": true, "userManagedAccessAllowed": true,
		"organizationsEnabled": true, "verifiableCredentialsEnabled": true, "adminPermissionsEnabled": true,
		"webAuthnPolicyRpEntityName": true, "webAuthnPolicySignatureAlgorithms": true,
		"webAuthnPolicyRpId": true, "webAuthnPolicyAttestationConveyancePreference": true,
		"webAuthnPolicyAuthenticatorAttachment": true, "webAuthnPolicyRequireResidentKey": true,
		"webAuthnPolicyUserVerificationRequirement": true, "webAuthnPolicyCreateTimeout": true,
		"webAuthnPolicyAvoidSameAuthenticatorRegister": true, "webAuthnPolicyAcceptableAaguids": true,
		"webAuthnPolicyExtraOrigins": true, "webAuthnPolicyPasswordlessRpEntityName": true,
		"webAuthnPolicyPasswordlessSignatureAlgorithms": true, "webAuthnPolicyPasswordlessRpId": true,
		"webAuthnPolicyPasswordlessAttestationConveyancePreference": true,
		"webAuthnPolicyPasswordlessAuthenticatorAttachment":         true,
		"webAuthnPolicyPasswordlessRequireResidentKey":              true,
		"webAuthnPolicyPasswordlessUserVerificationRequirement":     true,
		"webAuthnPolicyPasswordlessCreateTimeout":                   true,
		"webAuthnPolicyPasswordlessAvoidSameAuthenticatorRegister":  true,
		"webAuthnPolicyPasswordlessAcceptableAaguids":               true, "webAuthnPolicyPasswordlessExtraOrigins": true,
		"browserSecurityHeaders": true, "smtpServer": true, "loginTheme": true, "accountTheme": true,
		"adminTheme": true, "emailTheme": true, "accountThemeVersion": true,
		"browserFlow": true, "registrationFlow": true, "directGrantFlow": true, "resetCredentialsFlow": true,
		"clientAuthenticationFlow": true, "dockerAuthenticationFlow": true, "firstBrokerLoginFlow": true,
		"authenticationFlows": true, "authenticatorConfig": true, "requiredActions": true,
		"passwordPolicy": true,
	}
)

type rolesRep struct {
	Realm  []roleRep            `json:"realm"`
	Client map[string][]roleRep `json:"client"`
}

type roleRep struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Composite   bool                `json:"composite"`
	Composites  *roleCompositesRep  `json:"composites"`
	ClientRole  bool                `json:"clientRole"`
	ContainerID string              `json:"containerId"`
	Attributes  map[string][]string `json:"attributes"`
}

type roleCompositesRep struct {
	Realm  []string            `json:"realm"`
	Client map[string][]string `json:"client"`
}

type clientRep struct {
	ID                        string            `json:"id"`
	ClientID                  string            `json:"clientId"`
	Name                      string            `json:"name"`
	Description               string            `json:"description"`
	Enabled                   *bool             `json:"enabled"`
	Protocol                  string            `json:"protocol"`
	PublicClient              *bool             `json:"publicClient"`
	BearerOnly                *bool             `json:"bearerOnly"`
	Secret                    string            `json:"secret"`
	ClientAuthenticatorType   string            `json:"clientAuthenticatorType"`
	RootURL                   string            `json:"rootUrl"`
	BaseURL                   string            `json:"baseUrl"`
	RedirectURIs              []string          `json:"redirectUris"`
	WebOrigins                []string          `json:"webOrigins"`
	StandardFlowEnabled       *bool             `json:"standardFlowEnabled"`
	ImplicitFlowEnabled       *bool             `json:"implicitFlowEnabled"`
	DirectAccessGrantsEnabled *bool             `json:"directAccessGrantsEnabled"`
	ServiceAccountsEnabled    *bool             `json:"serviceAccountsEnabled"`
	ConsentRequired           *bool             `json:"consentRequired"`
	FullScopeAllowed          *bool             `json:"fullScopeAllowed"`
	FrontchannelLogout        *bool             `json:"frontchannelLogout"`
	DefaultClientScopes       []string          `json:"defaultClientScopes"`
	OptionalClientScopes      []string          `json:"optionalClientScopes"`
	Attributes                map[string]string `json:"attributes"`
}

var (
	clientKnown   = fieldSet(clientRep{})
	clientIgnored = map[string]bool{
		"surrogateAuthRequired": true, "adminUrl": true, "alwaysDisplayInConsole": true,
		"notBefore": true, "nodeReRegistrationTimeout": true, "authenticationFlowBindingOverrides": true,
		"access": true, "authorizationServicesEnabled": true, "protocolMappers": true,
		"registrationAccessToken": true, "origin": true,
	}
)

type userRep struct {
	ID                     string              `json:"id"`
	Username               string              `json:"username"`
	Enabled                *bool               `json:"enabled"`
	Email                  string              `json:"email"`
	EmailVerified          bool                `json:"emailVerified"`
	FirstName              string              `json:"firstName"`
	LastName               string              `json:"lastName"`
	Attributes             map[string][]string `json:"attributes"`
	Credentials            []credentialRep     `json:"credentials"`
	RequiredActions        []string            `json:"requiredActions"`
	RealmRoles             []string            `json:"realmRoles"`
	ClientRoles            map[string][]string `json:"clientRoles"`
	ServiceAccountClientID string              `json:"serviceAccountClientId"`
	CreatedTimestamp       int64               `json:"createdTimestamp"`
	NotBefore              int64               `json:"notBefore"`
}

var (
	userKnown   = fieldSet(userRep{})
	userIgnored = map[string]bool{
		"totp": true, "disableableCredentialTypes": true, "federationLink": true, "origin": true,
		"self": true, "access": true, "firstName_": true,
	}
)

type credentialRep struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	UserLabel      string `json:"userLabel"`
	CreatedDate    int64  `json:"createdDate"`
	Value          string `json:"value"`
	Temporary      bool   `json:"temporary"`
	SecretData     string `json:"secretData"`
	CredentialData string `json:"credentialData"`
	Priority       int    `json:"priority"`
}

type componentRep struct {
	ID            string              `json:"id"`
	Name          string              `json:"name"`
	ProviderID    string              `json:"providerId"`
	SubType       string              `json:"subType"`
	Config        map[string][]string `json:"config"`
	SubComponents json.RawMessage     `json:"subComponents"`
}

package mockidp

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/smartmate/smartmate-mock/fixtures"
)

// demoRealmWithAttribute returns the demo realm with one realm attribute.
func demoRealmWithAttribute(t *testing.T, name, value string) []byte {
	t.Helper()
	var realm map[string]any
	if err := json.Unmarshal(fixtures.DemoRealm(), &realm); err != nil {
		t.Fatal(err)
	}
	realm["attributes"] = map[string]any{name: value}
	out, err := json.Marshal(realm)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestProviderFaultsFromAttributeAndOption(t *testing.T) {
	t.Parallel()
	data := demoRealmWithAttribute(t, providerFaultsAttribute, " sso-disabled, ,short-code")
	srv, err := New(WithRealmJSON("demo.json", data), WithProviderFaults("demo", FaultJWKSNoX5C))
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	realm, _ := srv.Realm("demo")
	want := []string{"jwks-no-x5c", "short-code", "sso-disabled"}
	if got := realm.FaultNames(); !slices.Equal(got, want) {
		t.Errorf("FaultNames() = %q, want %q", got, want)
	}
	if !srv.providerFault(realm, FaultShortCode) {
		t.Errorf("providerFault(demo, %s) = false, want true", FaultShortCode)
	}
	if srv.providerFault(realm, FaultStateDropped) {
		t.Errorf("providerFault(demo, %s) = true, want false", FaultStateDropped)
	}
}

func TestProviderFaultsRejectBadNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []Option
		wantErr string
	}{
		{
			name:    "unknown fault in attribute",
			opts:    []Option{WithRealmJSON("demo.json", demoRealmWithAttribute(t, providerFaultsAttribute, "short-code,no-such-fault"))},
			wantErr: `unknown provider fault "no-such-fault"`,
		},
		{
			name:    "unknown fault in option",
			opts:    []Option{WithProviderFaults("demo", "no-such-fault")},
			wantErr: `unknown provider fault "no-such-fault"`,
		},
		{
			name:    "unknown realm in option",
			opts:    []Option{WithProviderFaults("nowhere", FaultShortCode)},
			wantErr: `realm "nowhere" not found`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New() error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestProviderFaultsAreUnique(t *testing.T) {
	t.Parallel()
	seen := map[ProviderFault]bool{}
	for _, f := range ProviderFaults {
		if seen[f] {
			t.Errorf("ProviderFaults lists %q twice", f)
		}
		seen[f] = true
	}
}

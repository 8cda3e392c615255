package mockidp_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/oauth2"

	"github.com/smartmate/smartmate-mock/mockidp"
)

// Example_headlessLogin signs a user in through the login form with plain
// HTTP requests and a cookie jar, with no browser, as a CI job would.
func Example_headlessLogin() {
	// Start the emulator with its demo realm on a loopback port.
	var srv *mockidp.Server
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.ServeHTTP(w, r) }))
	defer ts.Close()
	srv, err := mockidp.New(mockidp.WithFrontendURL(ts.URL))
	if err != nil {
		log.Fatal(err)
	}
	issuer := ts.URL + "/realms/demo"

	// The application's side: an OAuth client with PKCE.
	conf := oauth2.Config{
		ClientID:    "demo-web",
		RedirectURL: "http://localhost:3000/callback",
		Scopes:      []string{"openid"},
		Endpoint: oauth2.Endpoint{
			AuthURL:  issuer + "/protocol/openid-connect/auth",
			TokenURL: issuer + "/protocol/openid-connect/token",
		},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("xyz", oauth2.S256ChallengeOption(verifier))

	// The browser's side: a cookie jar, and no redirect following, so that
	// the code can be read from the Location header.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}

	// 1. Open the login page and read the form's action URL.
	resp, err := browser.Get(authURL)
	if err != nil {
		log.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// Keycloak's themes order the form's attributes differently, so the
	// form tag is found first and its action read from it.
	formTag := regexp.MustCompile(`<form[^>]*\bid="kc-form-login"[^>]*>`).Find(page)
	m := regexp.MustCompile(`\baction="([^"]+)"`).FindSubmatch(formTag)
	if m == nil {
		log.Fatal("no login form")
	}
	action := html.UnescapeString(string(m[1]))

	// 2. Post the credentials; a 302 to the redirect URI carries the code.
	form := url.Values{"username": {"alice"}, "password": {"alice-password"}, "credentialId": {""}}
	resp, err = browser.Post(action, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	location, _ := url.Parse(resp.Header.Get("Location"))

	// 3. Exchange the code with the verifier.
	tok, err := conf.Exchange(context.Background(), location.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", resp.StatusCode)
	fmt.Println("state:", location.Query().Get("state"))
	fmt.Println("got an ID token:", tok.Extra("id_token") != nil)
	// Output:
	// status: 302
	// state: xyz
	// got an ID token: true
}

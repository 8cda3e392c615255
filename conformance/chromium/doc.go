// Package chromium is a conformance.LoginDriver that signs users in with a
// headless Chromium through chromedp, for providers whose login pages need a
// real browser (JavaScript, cookies set by scripts).
//
// The driver lets Chromium contact only the provider's hosts. Every other
// request is failed before it leaves the browser, and the first navigation
// elsewhere, normally to the redirect URI, is the login's result, so the
// redirect URI needs no listener.
package chromium

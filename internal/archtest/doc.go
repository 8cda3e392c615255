// Package archtest checks the dependency rules between the project's
// packages: mockidp, mockapi and conformance share the protocol package and
// never import each other outside tests, so each works against any
// deployment over HTTP.
package archtest

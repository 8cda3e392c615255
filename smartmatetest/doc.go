// Package smartmatetest starts the emulator and the apps API together for
// tests, wired as the smartmate-mock binary wires them: the API validates
// the emulator's tokens with its keys in process and shares its clock.
//
// It is the one package besides cmd that imports both mockidp and mockapi.
// Use mockidp.NewTestServer or mockapi.NewTestServer alone when a test
// needs only one of them.
package smartmatetest

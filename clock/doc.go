// Package clock provides the time source that the emulator, the API and
// their test harnesses take as a dependency, so that tests of expiry move a
// fake clock forward instead of sleeping, and parallel tests never share one.
package clock

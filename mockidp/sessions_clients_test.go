package mockidp

import (
	"slices"
	"testing"
	"time"
)

func TestSessionTouchRecordsEachClientOnce(t *testing.T) {
	t.Parallel()
	const idle, maxLife = 30 * time.Minute, 10 * time.Hour
	s := newSessionStore().create("user-1", testStart, idle, maxLife)
	for _, id := range []string{"demo-cli", "demo-web", "demo-cli"} {
		if !s.touch(id, testStart.Add(time.Minute), idle, maxLife) {
			t.Fatalf("touch(%q) = false, want true for an active session", id)
		}
	}
	if want := []string{"demo-cli", "demo-web"}; !slices.Equal(s.clients, want) {
		t.Errorf("clients = %q, want %q", s.clients, want)
	}
	if s.touch("demo-cli", testStart.Add(idle+2*time.Minute), idle, maxLife) {
		t.Error("touch after the idle timeout = true, want false")
	}
}

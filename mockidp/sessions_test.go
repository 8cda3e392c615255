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

func TestSessionStoreSweepsWhenFull(t *testing.T) {
	t.Parallel()
	const idle, maxLife = 10 * time.Second, 10 * time.Hour
	st := newSessionStore()
	for range minSweepSize - 1 {
		st.create("user-1", testStart, idle, maxLife)
	}
	// Half a minute later every session is past its idle timeout, and the
	// next one fills the store to the size that triggers a sweep.
	st.create("user-1", testStart.Add(30*time.Second), idle, maxLife)
	if got := st.count(); got != 1 {
		t.Errorf("sessions after the sweep = %d, want 1", got)
	}
}

func TestSessionStoreSweepThresholdDoubles(t *testing.T) {
	t.Parallel()
	const idle, maxLife = time.Hour, 10 * time.Hour
	st := newSessionStore()
	for range minSweepSize + 100 {
		st.create("user-1", testStart, idle, maxLife)
	}
	if got := st.count(); got != minSweepSize+100 {
		t.Errorf("sessions = %d, want %d, because none has expired", got, minSweepSize+100)
	}
	st.mu.Lock()
	sweepAt := st.sweepAt
	st.mu.Unlock()
	if sweepAt != 2*minSweepSize {
		t.Errorf("sweepAt = %d, want %d after a sweep that kept %d sessions", sweepAt, 2*minSweepSize, minSweepSize)
	}
}

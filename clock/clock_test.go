package clock

import (
	"testing"
	"time"
)

func TestFakeAdvance(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	f := NewFake(start)
	if got := f.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want %v", got, start)
	}
	want := start.Add(90 * time.Second)
	if got := f.Advance(90 * time.Second); !got.Equal(want) {
		t.Fatalf("Advance(90s) = %v, want %v", got, want)
	}
	if got := f.Now(); !got.Equal(want) {
		t.Fatalf("Now() after Advance = %v, want %v", got, want)
	}
}

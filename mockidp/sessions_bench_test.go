package mockidp

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkSessionCreate creates sessions that never expire and reports
// the heap that each one keeps, which sets the emulator's memory after
// many logins.
func BenchmarkSessionCreate(b *testing.B) {
	const idle, maxLife = time.Hour, 10 * time.Hour
	st := newSessionStore()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	for b.Loop() {
		s := st.create("8d1b0c5e-2f6a-4d83-9b7e-3a5c1e9f0d24", testStart, idle, maxLife)
		s.touch("demo-cli", testStart, idle, maxLife)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := st.count(); n > 0 {
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/session")
	}
	runtime.KeepAlive(st)
}

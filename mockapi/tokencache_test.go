package mockapi

import (
	"fmt"
	"testing"
	"time"
)

func TestTokenCacheBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)
	c := newTokenCache(3)

	// Two tokens that expire soon and one that lives long fill the cache.
	c.put("demo", "short-1", &principal{expiry: now.Add(time.Minute)}, now)
	c.put("demo", "short-2", &principal{expiry: now.Add(time.Minute)}, now)
	c.put("demo", "long", &principal{expiry: now.Add(time.Hour)}, now)

	// Once the short ones expire, the next put sweeps them out.
	later := now.Add(2 * time.Minute)
	c.put("demo", "new", &principal{expiry: later.Add(time.Minute)}, later)
	if got := c.len(); got != 2 {
		t.Errorf("entries after the sweep = %d, want 2", got)
	}
	for _, token := range []string{"long", "new"} {
		if _, ok := c.get("demo", token); !ok {
			t.Errorf("token %q missing after the sweep", token)
		}
	}
	if _, ok := c.get("demo", "short-1"); ok {
		t.Errorf("expired token short-1 still cached")
	}

	// With nothing expired, the cache still never passes its bound.
	for i := range 10 {
		c.put("demo", fmt.Sprint("valid-", i), &principal{expiry: later.Add(time.Hour)}, later)
	}
	if got := c.len(); got != 3 {
		t.Errorf("entries after 10 more puts = %d, want 3", got)
	}
}

func TestTokenCacheKeyedByWorkspace(t *testing.T) {
	t.Parallel()
	c := newTokenCache(10)
	c.put("demo", "token", &principal{workspace: "demo"}, time.Time{})

	if _, ok := c.get("other", "token"); ok {
		t.Errorf("token cached for demo found for workspace other")
	}
	if p, ok := c.get("demo", "token"); !ok || p.workspace != "demo" {
		t.Errorf("get(demo, token) = %v, %t; want the demo principal", p, ok)
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// healthcheck requests the running server's /health/ready and exits 0
// when the response is 200. The container image has no shell and no curl, so its
// HEALTHCHECK runs this.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	port := 8080
	if v := getenv("KC_HTTP_PORT"); v != "" {
		if p, err := strconv.Atoi(v); err == nil {
			port = p
		}
	}
	rel := getenv("KC_HTTP_RELATIVE_PATH")
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", fmt.Sprintf("http://127.0.0.1:%d%s/health/ready", port, rel), "readiness URL to check")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: %s responded with status %d\n", *target, resp.StatusCode)
		return 1
	}
	return 0
}

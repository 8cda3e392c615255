package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/mockapi"
	"github.com/smartmate/smartmate-mock/mockidp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	auth := flag.Bool("auth", true, "validate bearer tokens; false measures the API without authentication")
	tokenCache := flag.Int("token-cache", 0, "validated tokens kept by the API: 0 for the default size, -1 to verify every request")
	flag.Parse()
	if err := run(*addr, *auth, *tokenCache); err != nil {
		fmt.Fprintln(os.Stderr, "api-server:", err)
		os.Exit(1)
	}
}

func run(addr string, auth bool, tokenCache int) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid -addr %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("invalid -addr %q: the benchmark only listens on loopback addresses", addr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	idp, err := mockidp.New(mockidp.WithFrontendURL("http://" + ln.Addr().String()))
	if err != nil {
		return err
	}
	api, err := mockapi.New(mockapi.Config{
		Issuer: idp.Issuer,
		Keys: mockapi.KeyFunc(func(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
			if _, ok := idp.Realm(workspace); !ok {
				return nil, fmt.Errorf("%w: %q", mockapi.ErrUnknownWorkspace, workspace)
			}
			return idp.PublicKeys(ctx, workspace)
		}),
		TokenCacheSize:      tokenCache,
		InsecureDisableAuth: !auth,
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/workspaces/", api)
	mux.Handle("/", idp)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Println("ready")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

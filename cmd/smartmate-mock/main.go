package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/smartmate/smartmate-mock/mockapi"
	"github.com/smartmate/smartmate-mock/mockidp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil))
}

// run starts the emulator and serves until ctx ends. It returns the exit
// status: 0 after a clean shutdown, 1 when serving failed, 2 for bad
// options or realm files. When ready is not nil, the listening address is
// sent on it once the server accepts connections.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready chan<- string) int {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:], getenv, stderr)
	}
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var reported *reportedError
		if !errors.As(err, &reported) {
			fmt.Fprintln(stderr, "smartmate-mock:", err)
		}
		return 2
	}
	log, err := newLogger(o, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "smartmate-mock:", err)
		return 2
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(listenHost(o.httpHost), strconv.Itoa(o.httpPort)))
	if err != nil {
		log.Error("listen failed", "error", err)
		return 1
	}
	handler, err := buildHandler(o, ln, log)
	if err != nil {
		ln.Close()
		log.Error("start-up failed", "error", err)
		return 2
	}
	return serve(ctx, ln, handler, log, ready, readTimeout)
}

func listenHost(h string) string {
	if h == "0.0.0.0" {
		return ""
	}
	return h
}

// buildHandler loads the realms and wires the emulator.
func buildHandler(o *options, ln net.Listener, log *slog.Logger) (http.Handler, error) {
	port := ln.Addr().(*net.TCPAddr).Port
	frontend, err := o.frontendURL(port)
	if err != nil {
		return nil, err
	}
	files, skipped, err := realmFiles(o.importRealms, defaultImportDir)
	if err != nil {
		return nil, err
	}
	for _, dir := range skipped {
		log.Info("realm import folder not found, skipped", "folder", dir)
	}
	opts := []mockidp.Option{
		mockidp.WithFrontendURL(frontend),
		mockidp.WithRelativePath(o.relativePath),
		mockidp.WithLogger(log),
	}
	if o.hostnameFromRequest {
		opts = append(opts, mockidp.WithHostnameFromRequest())
	}
	if o.noDefaultRealm {
		opts = append(opts, mockidp.WithoutDefaultRealm())
	}
	if o.noTestingEndpoints {
		opts = append(opts, mockidp.WithoutTestingEndpoints())
	}
	for _, f := range files {
		opts = append(opts, mockidp.WithRealmFile(f))
	}
	idp, err := mockidp.New(opts...)
	if err != nil {
		return nil, err
	}
	api, err := newAPI(idp, log)
	if err != nil {
		return nil, err
	}
	for _, name := range idp.RealmNames() {
		log.Info("realm ready", "realm", name,
			"discovery", idp.Issuer(name)+"/.well-known/openid-configuration",
			"graphql", strings.TrimSuffix(frontend, o.relativePath)+"/workspaces/"+name+"/graphql")
	}
	mux := http.NewServeMux()
	mux.Handle("/workspaces/", api)
	if rel := strings.TrimSuffix(o.relativePath, "/"); rel != "" {
		mux.Handle(rel+"/workspaces/", http.StripPrefix(rel, api))
	}
	mux.Handle("/", idp)
	return mux, nil
}

// newAPI mounts the apps GraphQL API beside the emulator. It validates
// tokens with the emulator's keys in process, so no JWKS request is made.
func newAPI(idp *mockidp.Server, log *slog.Logger) (*mockapi.Handler, error) {
	return mockapi.New(mockapi.Config{
		Issuer: idp.Issuer,
		Keys: mockapi.KeyFunc(func(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
			if _, ok := idp.Realm(workspace); !ok {
				return nil, fmt.Errorf("%w: %q", mockapi.ErrUnknownWorkspace, workspace)
			}
			return idp.PublicKeys(ctx, workspace)
		}),
		Logger: log,
	})
}

// readTimeout bounds the time to read a whole request, so that a client that
// never finishes its body cannot hold a connection and a goroutine for ever.
const readTimeout = 30 * time.Second

// serve runs the HTTP server on ln until ctx ends, then shuts it down.
func serve(ctx context.Context, ln net.Listener, handler http.Handler, log *slog.Logger, ready chan<- string, readTimeout time.Duration) int {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(10*time.Second, readTimeout),
		ReadTimeout:       readTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("smartmate-mock started", "address", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		log.Error("server stopped", "error", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Error("shutdown failed", "error", err)
		return 1
	}
	log.Info("smartmate-mock stopped")
	return 0
}

func newLogger(o *options, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(o.logLevel))); err != nil {
		return nil, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", o.logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	if o.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return slog.New(slog.NewTextHandler(w, hopts)), nil
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// defaultImportDir is the folder from which Keycloak's container image
// reads realm files when started with a bare --import-realm.
const defaultImportDir = "/opt/keycloak/data/import"

type options struct {
	httpHost            string
	httpPort            int
	hostname            string
	relativePath        string
	hostnameFromRequest bool
	importRealms        []string
	noDefaultRealm      bool
	noTestingEndpoints  bool
	logLevel            string
	logFormat           string
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// envName maps each flag to its environment variable twin.
var envName = map[string]string{
	"http-host":             "KC_HTTP_HOST",
	"http-port":             "KC_HTTP_PORT",
	"hostname":              "KC_HOSTNAME",
	"http-relative-path":    "KC_HTTP_RELATIVE_PATH",
	"log-level":             "KC_LOG_LEVEL",
	"log-format":            "SMARTMATE_MOCK_LOG_FORMAT",
	"import-realm":          "SMARTMATE_MOCK_IMPORT_REALM",
	"hostname-from-request": "SMARTMATE_MOCK_HOSTNAME_FROM_REQUEST",
	"no-default-realm":      "SMARTMATE_MOCK_NO_DEFAULT_REALM",
	"no-testing-endpoints":  "SMARTMATE_MOCK_NO_TESTING_ENDPOINTS",
}

// parseOptions reads flags, falling back to environment variables. The
// subcommands "start" and "start-dev" are accepted and ignored, and a bare
// --import-realm means Keycloak's import folder, so that a compose file
// written for Keycloak's image runs this one unchanged.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("smartmate-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.httpHost, "http-host", "0.0.0.0", "address to listen on (all interfaces by default)")
	fs.IntVar(&o.httpPort, "http-port", 8080, "TCP port to listen on")
	fs.StringVar(&o.hostname, "hostname", "", "frontend URL (https://sso.example.test/auth) or host name that issuers use; default: http://127.0.0.1:PORT, or the listen address when it is not all interfaces")
	fs.StringVar(&o.relativePath, "http-relative-path", "", "path prefix of every endpoint, such as /auth for the Keycloak 16 layout")
	fs.BoolVar(&o.hostnameFromRequest, "hostname-from-request", false, "derive issuers from each request's Host header instead of the frontend URL")
	var imports stringList
	fs.Var(&imports, "import-realm", "realm file, or folder of *.json realm files, to load (repeatable)")
	fs.BoolVar(&o.noDefaultRealm, "no-default-realm", false, "do not load the embedded demo realm")
	fs.BoolVar(&o.noTestingEndpoints, "no-testing-endpoints", false, "turn off the unauthenticated /realms/{realm}/testing/ endpoints (key rotation, relying-party faults)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")

	if err := fs.Parse(normalizeArgs(args)); err != nil {
		// The flag package has already printed the error and the usage.
		return nil, &reportedError{err}
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, env := range envName {
		v := getenv(env)
		if set[name] || v == "" {
			continue
		}
		if name == "import-realm" {
			for _, p := range filepath.SplitList(v) {
				imports = append(imports, p)
			}
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return nil, fmt.Errorf("invalid %s=%q: %v", env, v, err)
		}
	}
	o.importRealms = imports
	if o.httpPort < 0 || o.httpPort > 65535 {
		return nil, fmt.Errorf("invalid --http-port %d: must be from 0 to 65535", o.httpPort)
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return nil, fmt.Errorf("invalid --log-format %q: use text or json", o.logFormat)
	}
	return o, nil
}

// normalizeArgs drops Keycloak's start subcommands and gives a bare
// --import-realm its default folder.
func normalizeArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if (a == "start" || a == "start-dev") && len(out) == 0 {
			continue
		}
		if a == "--import-realm" || a == "-import-realm" {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
				out = append(out, "--import-realm="+defaultImportDir)
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// frontendURL derives the base of every issuer: --hostname when it is a
// full URL, else a URL built from --hostname or the listen address.
func (o *options) frontendURL(port int) (string, error) {
	rel := strings.TrimSuffix(o.relativePath, "/")
	if rel != "" && !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	if strings.Contains(o.hostname, "://") {
		u, err := url.Parse(o.hostname)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return "", fmt.Errorf("invalid --hostname %q: expected a URL such as https://sso.example.test or a host name", o.hostname)
		}
		return strings.TrimSuffix(o.hostname, "/"), nil
	}
	host := o.hostname
	if host == "" {
		host = o.httpHost
		// On all interfaces, the issuer names the IPv4 loopback address,
		// which every local client reaches without a name lookup.
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
		}
	}
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	if port != 80 {
		host += ":" + strconv.Itoa(port)
	}
	return "http://" + host + rel, nil
}

// realmFiles expands each --import-realm value: a file as is, a folder to
// its *.json files in name order. A missing optionalDir is returned in
// skipped instead of failing, because the container image imports that
// folder by default and must start without realm files.
// NOTE: whether Keycloak 26 itself starts with --import-realm and no
// import folder is not confirmed.
func realmFiles(paths []string, optionalDir string) (files, skipped []string, err error) {
	for _, p := range paths {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && filepath.Clean(p) == filepath.Clean(optionalDir) {
			skipped = append(skipped, p)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("--import-realm %s: %w", p, err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, nil, err
		}
		files = append(files, matches...)
	}
	return files, skipped, nil
}

// reportedError is an error that has already been shown to the user.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

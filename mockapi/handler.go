package mockapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/smartmate/smartmate-mock/mockapi/internal/graph"
	"github.com/smartmate/smartmate-mock/protocol"
)

// Sizes of the parser's safety limits.
const (
	// queryCacheSize is the number of parsed and validated query documents
	// kept, keyed by query text.
	queryCacheSize = 1000
	// parserTokenLimit bounds the lexer tokens of one query, so a query
	// close to the body limit cannot keep the parser busy.
	parserTokenLimit = 20_000
)

// Handler serves the apps GraphQL API of every workspace at
// /workspaces/{workspace}/graphql, for POST and for GET. Mount it under
// "/workspaces/" without stripping the prefix. Create it with New.
type Handler struct {
	cfg      Config
	mux      *http.ServeMux
	exec     *executor.Executor
	verifier *verifier
}

// New returns a Handler for cfg, or an error naming a missing required field.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}

	st := newStore(cfg.Clock, cfg.Seed, cfg.Logger)
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &resolver{store: st}})
	exec := executor.New(schema)
	exec.Use(extension.Introspection{})
	exec.Use(depthLimit{max: cfg.MaxDepth})
	exec.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	exec.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	exec.SetParserTokenLimit(parserTokenLimit)
	exec.SetErrorPresenter(presentError(cfg.Logger))
	exec.SetRecoverFunc(recoverPanic(cfg.Logger))

	h := &Handler{cfg: cfg, mux: http.NewServeMux(), exec: exec}
	if !cfg.InsecureDisableAuth {
		h.verifier = &verifier{issuer: cfg.Issuer, keys: cfg.Keys, clock: cfg.Clock, leeway: cfg.Leeway, faults: cfg.Faults}
		if cfg.TokenCacheSize > 0 {
			h.verifier.cache = newTokenCache(cfg.TokenCacheSize)
		}
	}

	// The method patterns give 405 with an Allow header for other methods.
	h.mux.HandleFunc("POST /workspaces/{workspace}/graphql", h.serveGraphQL)
	h.mux.HandleFunc("GET /workspaces/{workspace}/graphql", h.serveGraphQL)
	return h, nil
}

// ServeHTTP routes the request to the GraphQL endpoint. A panic outside the
// resolvers, which gqlgen recovers itself, is a bug of this package: it is
// logged and gets a 500 response, so the server keeps running.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.cfg.Logger.ErrorContext(r.Context(), "request handler panicked", "panic", fmt.Sprint(p), "path", r.URL.Path)
			_ = protocol.WriteError(w, protocol.New(protocol.ErrServerError, "internal server error"))
		}
	}()
	h.mux.ServeHTTP(w, r)
}

// serveGraphQL runs the steps of one request: authenticate, read the
// GraphQL request, parse and validate it, authorize its operation type and
// execute it. Each failed step writes its own response.
func (h *Handler) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	workspace := r.PathValue("workspace")
	ctx := graphql.StartOperationTrace(withWorkspace(r.Context(), workspace))

	p, token, perr := h.authenticate(ctx, r, workspace)
	if p == nil {
		h.rejectBearer(w, r, workspace, unverifiedClientID(token), perr)
		return
	}

	params, rerr := readParams(w, r, h.cfg.MaxBodyBytes)
	if rerr != nil {
		h.rejectGraphQL(w, r, workspace, p, rerr.status, rerr.response())
		return
	}

	opCtx, gerrs := h.exec.CreateOperationContext(ctx, params)
	if gerrs != nil {
		resp := h.exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gerrs)
		h.rejectGraphQL(w, r, workspace, p, requestErrorStatus(r), resp)
		return
	}

	op := opCtx.Operation.Operation
	if r.Method != http.MethodPost && op != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		h.rejectGraphQL(w, r, workspace, p, http.StatusMethodNotAllowed,
			errorResponse(CodeBadRequest, fmt.Sprintf("a %s operation must be sent with POST, not %s", op, r.Method)))
		return
	}

	if perr := h.authorize(p, workspace, op); perr != nil {
		h.rejectBearer(w, r, workspace, p.clientID, perr)
		return
	}

	responses, ctx := h.exec.DispatchOperation(ctx, opCtx)
	writeResponse(w, r, http.StatusOK, responses(ctx))
}

// authenticate returns the principal of the request's bearer token, and the
// token itself for the log line of a rejection. It returns a nil principal
// and a nil error when the request has no bearer token. With
// InsecureDisableAuth it returns an empty principal.
func (h *Handler) authenticate(ctx context.Context, r *http.Request, workspace string) (*principal, string, *protocol.Error) {
	if h.cfg.InsecureDisableAuth {
		return &principal{workspace: workspace}, "", nil
	}

	token, perr := bearerToken(r)
	if perr != nil {
		return nil, "", perr
	}
	if token == "" {
		// No credentials: the bare challenge of RFC 6750 section 3.1.
		return nil, "", nil
	}

	p, perr := h.verifier.verify(ctx, workspace, token)
	if perr != nil {
		return nil, token, perr
	}
	if h.cfg.hasFault(FaultRejectAll) {
		return nil, token, invalidToken("every token is rejected (fault api-rejects-all)")
	}

	pol := h.cfg.policy(workspace)
	if pol.Audience != "" && !slices.Contains(p.audience, pol.Audience) {
		return nil, token, invalidToken(fmt.Sprintf("audience %q does not contain %q", p.audience, pol.Audience))
	}
	return p, token, nil
}

// authorize checks that the token grants the role of the operation type:
// Policy.ReadRole for a query and Policy.WriteRole for a mutation.
func (h *Handler) authorize(p *principal, workspace string, op ast.Operation) *protocol.Error {
	if h.cfg.InsecureDisableAuth {
		return nil
	}
	pol := h.cfg.policy(workspace)
	role := pol.ReadRole
	if op == ast.Mutation {
		role = pol.WriteRole
	}
	if p.hasRole(pol.ClientID, role) || h.cfg.hasFault(FaultIgnoreRoles) {
		return nil
	}
	return protocol.Errorf(protocol.ErrInsufficientScope, "a %s requires the %q role of client %q", op, role, pol.ClientID)
}

// rejectBearer responds to an authentication or permission failure and logs it.
// A nil perr means the request had no bearer token. Errors other than
// invalid_token and insufficient_scope (an unknown workspace, unavailable
// keys, a malformed header) get a JSON error body instead of a challenge.
func (h *Handler) rejectBearer(w http.ResponseWriter, r *http.Request, workspace, clientID string, perr *protocol.Error) {
	if perr == nil {
		h.logRejected(r, workspace, clientID, http.StatusUnauthorized, "missing bearer token", nil)
		if h.cfg.hasFault(FaultNoChallenge) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		protocol.WriteBearerError(w, workspace, nil)
		return
	}

	h.logRejected(r, workspace, clientID, perr.HTTPStatus(), perr.Description, perr)
	switch perr.Code {
	case protocol.ErrInvalidToken, protocol.ErrInsufficientScope, protocol.ErrInvalidRequest:
		protocol.WriteBearerError(w, workspace, perr)
	default:
		if err := protocol.WriteError(w, perr); err != nil {
			h.cfg.Logger.DebugContext(r.Context(), "error response not sent", "error", err)
		}
	}
}

// rejectGraphQL responds to a request that failed before execution with a
// GraphQL error response, and logs it.
func (h *Handler) rejectGraphQL(w http.ResponseWriter, r *http.Request, workspace string, p *principal, status int, resp *graphql.Response) {
	reason := "invalid GraphQL request"
	if len(resp.Errors) > 0 {
		reason = resp.Errors[0].Message
	}
	h.logRejected(r, workspace, p.clientID, status, reason, nil)
	writeResponse(w, r, status, resp)
}

// logRejected writes the one log line of a rejected request. It never logs
// the token: clientID is the token's "azp" claim, unverified when the token
// was rejected.
func (h *Handler) logRejected(r *http.Request, workspace, clientID string, status int, reason string, perr *protocol.Error) {
	level := slog.LevelWarn
	if status >= http.StatusInternalServerError {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("workspace", workspace),
		slog.Int("status", status),
		slog.String("reason", reason),
		slog.String("client_id", clientID),
		slog.String("remote_addr", r.RemoteAddr),
	}
	if perr != nil && perr.Cause != nil {
		attrs = append(attrs, slog.String("cause", perr.Cause.Error()))
	}
	h.cfg.Logger.LogAttrs(r.Context(), level, "request rejected", attrs...)
}

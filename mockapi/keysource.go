package mockapi

import (
	"context"
	"errors"

	"github.com/go-jose/go-jose/v4"
)

// ErrUnknownWorkspace is the error that a KeySource wraps when the workspace
// does not exist. The handler responds to such requests with 404.
var ErrUnknownWorkspace = errors.New("mockapi: unknown workspace")

// KeySource returns the public keys that verify a workspace's tokens.
// Implementations must be safe for concurrent use.
type KeySource interface {
	// Keys returns the workspace's current key set. It may serve a cached
	// copy. It returns an error wrapping ErrUnknownWorkspace when the
	// workspace does not exist.
	Keys(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error)
}

// KeyRefresher is an optional KeySource method. When a token names a key id
// that the cached key set lacks, the handler calls RefreshKeys once, so keys
// that the identity provider has just rotated in are found. A KeySource
// without it is asked with Keys only.
type KeyRefresher interface {
	// RefreshKeys fetches the workspace's key set again, bypassing the
	// cache, unless the last fetch is more recent than the source's own
	// rate limit allows. Then it returns the cached copy.
	RefreshKeys(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error)
}

// KeyFunc adapts a function to KeySource. It suits an identity provider in
// the same process, such as the emulator's (*mockidp.Server).PublicKeys:
//
//	mockapi.KeyFunc(func(_ context.Context, workspace string) (*jose.JSONWebKeySet, error) {
//		return idp.PublicKeys(workspace)
//	})
//
// The function is called for every token that is not in the token cache, so
// it must be cheap. An error from it that does not wrap ErrUnknownWorkspace
// gets 503.
type KeyFunc func(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error)

// Keys calls f.
func (f KeyFunc) Keys(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
	return f(ctx, workspace)
}

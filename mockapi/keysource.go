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
// the same process, such as the emulator, whose PublicKeys has this
// signature. The function should report an unknown realm with
// ErrUnknownWorkspace, so the request gets 404:
//
//	mockapi.KeyFunc(func(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
//		if _, ok := idp.Realm(workspace); !ok {
//			return nil, fmt.Errorf("%w: %q", mockapi.ErrUnknownWorkspace, workspace)
//		}
//		return idp.PublicKeys(ctx, workspace)
//	})
//
// The function is called for every token that is not in the token cache, so
// it must be cheap. Any other error from it gets 503.
type KeyFunc func(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error)

// Keys calls f.
func (f KeyFunc) Keys(ctx context.Context, workspace string) (*jose.JSONWebKeySet, error) {
	return f(ctx, workspace)
}

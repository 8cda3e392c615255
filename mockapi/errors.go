package mockapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Codes that resolver errors carry in "extensions.code". Parse, validation
// and complexity errors keep gqlgen's own codes: GRAPHQL_PARSE_FAILED,
// GRAPHQL_VALIDATION_FAILED and COMPLEXITY_LIMIT_EXCEEDED.
const (
	CodeBadUserInput        = "BAD_USER_INPUT"
	CodeNotFound            = "NOT_FOUND"
	CodeDepthLimitExceeded  = "DEPTH_LIMIT_EXCEEDED"
	CodeBadRequest          = "BAD_REQUEST"
	CodeInternalServerError = "INTERNAL_SERVER_ERROR"
)

// fieldError is an error that a resolver returns to the client with a code.
type fieldError struct {
	code    string
	message string
}

func (e *fieldError) Error() string { return e.message }

func badInput(message string) error {
	return &fieldError{code: CodeBadUserInput, message: message}
}

func appNotFound(id string) error {
	return &fieldError{code: CodeNotFound, message: fmt.Sprintf("app %q not found", id)}
}

// presentError turns a resolver error into a GraphQL error. A fieldError keeps
// its message and code. Any other error is logged and sent as a generic
// internal error, so no internal detail reaches the client.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var fe *fieldError
		if errors.As(err, &fe) {
			gerr := graphql.DefaultErrorPresenter(ctx, err)
			gerr.Message = fe.message
			errcode.Set(gerr, fe.code)
			return gerr
		}

		var gerr *gqlerror.Error
		if errors.As(err, &gerr) && gerr.Extensions["code"] != nil {
			return graphql.DefaultErrorPresenter(ctx, err)
		}

		// recoverPanic has logged a panic already.
		if !errors.Is(err, errPanicked) {
			logger.ErrorContext(ctx, "resolver failed", "error", err)
		}
		gerr = graphql.DefaultErrorPresenter(ctx, err)
		gerr.Message = "internal server error"
		errcode.Set(gerr, CodeInternalServerError)
		return gerr
	}
}

// errPanicked is the error that a resolver panic becomes.
var errPanicked = errors.New("mockapi: resolver panicked")

// recoverPanic logs a resolver panic and turns it into an internal error, so
// the request gets a GraphQL error and the server keeps running.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "resolver panicked", "panic", fmt.Sprint(p))
		return errPanicked
	}
}

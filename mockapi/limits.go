package mockapi

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit is a gqlgen extension that rejects operations whose selection
// sets nest deeper than max. Root fields are at depth 1, and fragments count
// at the depth where they are spread. Introspection fields (__schema,
// __type) are exempt because the standard introspection query of GraphiQL and
// other tools nests about a dozen levels.
type depthLimit struct {
	max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string { return "DepthLimit" }

func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext runs after validation, which has rejected fragment
// cycles, so the walk ends. It also stops as soon as the limit is passed.
func (d depthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if selectionDepth(opCtx.Operation.SelectionSet, 1, d.max) <= d.max {
		return nil
	}
	err := gqlerror.Errorf("operation nests more than %d levels of fields, which exceeds the depth limit", d.max)
	errcode.Set(err, CodeDepthLimitExceeded)
	return err
}

// selectionDepth returns the depth of the deepest field in set, whose fields
// are at depth, or a value above limit as soon as one is found.
func selectionDepth(set ast.SelectionSet, depth, limit int) int {
	deepest := depth - 1
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = depth
			if len(s.SelectionSet) > 0 && depth <= limit {
				d = selectionDepth(s.SelectionSet, depth+1, limit)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, limit)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, depth, limit)
			}
		}
		deepest = max(deepest, d)
		if deepest > limit {
			return deepest
		}
	}
	return deepest
}

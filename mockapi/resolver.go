package mockapi

import (
	"context"

	"github.com/smartmate/smartmate-mock/mockapi/internal/graph"
)

// resolver implements the generated resolver interfaces on top of the store.
// The handler has checked the token and the role before any resolver runs,
// so resolvers only read the workspace from the context.
type resolver struct {
	store *store
}

func (r *resolver) Query() graph.QueryResolver       { return queryResolver{r} }
func (r *resolver) Mutation() graph.MutationResolver { return mutationResolver{r} }

type queryResolver struct{ *resolver }

func (q queryResolver) Apps(ctx context.Context) ([]*graph.App, error) {
	return q.store.list(workspaceFrom(ctx)), nil
}

func (q queryResolver) App(ctx context.Context, id string) (*graph.App, error) {
	return q.store.get(workspaceFrom(ctx), id), nil
}

type mutationResolver struct{ *resolver }

func (m mutationResolver) CreateApp(ctx context.Context, input graph.CreateAppInput) (*graph.App, error) {
	return m.store.create(workspaceFrom(ctx), input)
}

func (m mutationResolver) UpdateApp(ctx context.Context, id string, input graph.UpdateAppInput) (*graph.App, error) {
	return m.store.update(workspaceFrom(ctx), id, input)
}

func (m mutationResolver) DeleteApp(ctx context.Context, id string) (string, error) {
	if err := m.store.delete(workspaceFrom(ctx), id); err != nil {
		return "", err
	}
	return id, nil
}

type workspaceKey struct{}

func withWorkspace(ctx context.Context, workspace string) context.Context {
	return context.WithValue(ctx, workspaceKey{}, workspace)
}

// workspaceFrom returns the workspace of the request. The handler always sets
// it before executing an operation.
func workspaceFrom(ctx context.Context) string {
	w, _ := ctx.Value(workspaceKey{}).(string)
	return w
}

package mockapi

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/smartmate/smartmate-mock/clock"
	"github.com/smartmate/smartmate-mock/mockapi/internal/graph"
)

// Field limits of an app, also stated in the schema.
const (
	maxNameLength        = 200
	maxDescriptionLength = 2000
)

// store holds the apps of every workspace in memory. A workspace is created on
// first use, from its seed file when there is one and empty otherwise.
type store struct {
	clock  clock.Clock
	seed   func(workspace string) ([]byte, bool)
	logger *slog.Logger

	mu         sync.Mutex
	workspaces map[string]*workspaceApps // guarded by mu
}

// workspaceApps holds one workspace's apps in creation order.
type workspaceApps struct {
	apps []graph.App
}

// seedFile is the wire form of a seed file (see fixtures.Apps).
type seedFile struct {
	Apps []seedApp `json:"apps"`
}

type seedApp struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func newStore(clk clock.Clock, seed func(string) ([]byte, bool), logger *slog.Logger) *store {
	return &store{clock: clk, seed: seed, logger: logger, workspaces: make(map[string]*workspaceApps)}
}

func loadSeed(seed func(string) ([]byte, bool), workspace string) ([]graph.App, error) {
	b, ok := seed(workspace)
	if !ok {
		return nil, nil
	}
	var f seedFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("mockapi: seed apps of workspace %q: %w", workspace, err)
	}
	apps := make([]graph.App, 0, len(f.Apps))
	for _, a := range f.Apps {
		if a.ID == "" || a.Name == "" {
			return nil, fmt.Errorf("mockapi: seed apps of workspace %q: an app has no id or no name", workspace)
		}
		apps = append(apps, graph.App{
			ID:          a.ID,
			Name:        a.Name,
			Description: a.Description,
			CreatedAt:   a.CreatedAt.UTC(),
			UpdatedAt:   a.UpdatedAt.UTC(),
		})
	}
	return apps, nil
}

// workspace returns the apps of name, creating them on first use. The caller
// must hold s.mu.
func (s *store) workspace(name string) *workspaceApps {
	w, ok := s.workspaces[name]
	if ok {
		return w
	}
	apps, err := loadSeed(s.seed, name)
	if err != nil {
		s.logger.Error("seed apps not loaded, workspace starts empty", "workspace", name, "error", err)
	}
	w = &workspaceApps{apps: apps}
	s.workspaces[name] = w
	return w
}

// list returns copies of the workspace's apps, oldest first.
func (s *store) list(workspace string) []*graph.App {
	s.mu.Lock()
	defer s.mu.Unlock()

	w := s.workspace(workspace)
	out := make([]*graph.App, len(w.apps))
	for i := range w.apps {
		a := w.apps[i]
		out[i] = &a
	}
	return out
}

// get returns a copy of the app with id, or nil.
func (s *store) get(workspace, id string) *graph.App {
	s.mu.Lock()
	defer s.mu.Unlock()

	w := s.workspace(workspace)
	i := w.index(id)
	if i < 0 {
		return nil
	}
	a := w.apps[i]
	return &a
}

func (s *store) create(workspace string, in graph.CreateAppInput) (*graph.App, error) {
	description := ""
	if in.Description != nil {
		description = *in.Description
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if err := checkDescription(description); err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}

	now := s.clock.Now().UTC()
	a := graph.App{ID: id, Name: in.Name, Description: description, CreatedAt: now, UpdatedAt: now}

	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.workspace(workspace)
	w.apps = append(w.apps, a)
	return &a, nil
}

func (s *store) update(workspace, id string, in graph.UpdateAppInput) (*graph.App, error) {
	if in.Name != nil {
		if err := checkName(*in.Name); err != nil {
			return nil, err
		}
	}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return nil, err
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.workspace(workspace)
	i := w.index(id)
	if i < 0 {
		return nil, appNotFound(id)
	}
	a := &w.apps[i]
	if in.Name != nil {
		a.Name = *in.Name
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	a.UpdatedAt = s.clock.Now().UTC()
	out := *a
	return &out, nil
}

func (s *store) delete(workspace, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	w := s.workspace(workspace)
	i := w.index(id)
	if i < 0 {
		return appNotFound(id)
	}
	w.apps = slices.Delete(w.apps, i, i+1)
	return nil
}

func (w *workspaceApps) index(id string) int {
	return slices.IndexFunc(w.apps, func(a graph.App) bool { return a.ID == id })
}

func checkName(name string) error {
	n := utf8.RuneCountInString(name)
	if strings.TrimSpace(name) == "" || n > maxNameLength {
		return badInput(fmt.Sprintf("name must be 1 to %d characters and not blank, got %d characters", maxNameLength, n))
	}
	return nil
}

func checkDescription(description string) error {
	n := utf8.RuneCountInString(description)
	if n > maxDescriptionLength {
		return badInput(fmt.Sprintf("description must be at most %d characters, got %d", maxDescriptionLength, n))
	}
	return nil
}

// newID returns a random UUID (version 4, RFC 9562 section 5.4).
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("mockapi: app id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

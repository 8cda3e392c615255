package mockidp

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html templates/login.css
var templateFiles embed.FS

// pageTemplates holds one template set per page, each the shared layout
// with the page's content block. Templates are parsed once, at package
// initialisation, so a broken template fails every test at once.
var pageTemplates = func() map[string]*template.Template {
	layout := template.Must(template.ParseFS(templateFiles, "templates/layout.html"))
	sets := map[string]*template.Template{}
	for _, name := range []string{"login", "error", "info", "logout_confirm", "frontchannel_logout"} {
		t := template.Must(layout.Clone())
		sets[name] = template.Must(t.ParseFS(templateFiles, "templates/"+name+".html"))
	}
	sets["form_post"] = template.Must(template.ParseFS(templateFiles, "templates/form_post.html"))
	return sets
}()

var loginCSS = func() []byte {
	b, err := templateFiles.ReadFile("templates/login.css")
	if err != nil {
		panic(err)
	}
	return b
}()

// page is the data of every HTML page; each template reads the fields it
// needs.
type page struct {
	Lang        string
	Title       string // the document title
	Heading     string
	Realm       string
	CSS         string
	Message     string // an alert above the content
	MessageKind string // error, warning, info or success

	Text    string // the paragraph of error and info pages
	BackURL string

	Action     string // the form's action URL
	Username   string
	InputError string

	SessionCode string

	// FormAction is the form_post target. It is a validated redirect URI,
	// which may have a custom scheme that html/template would otherwise
	// replace.
	FormAction template.URL
	Params     []param

	// LogoutFrames are the front-channel logout URLs that the page loads
	// in hidden iframes, and ContinueURL is where the browser goes once
	// they have loaded.
	LogoutFrames []string
	ContinueURL  template.URL
}

// cssPath is the path of the login theme's stylesheet, below the relative
// path.
const cssPath = "/resources/smartmate-mock/login/login.css"

// renderPage renders the named page with status.
func (s *Server) renderPage(c echo.Context, status int, name string, p *page) error {
	if p.Lang == "" {
		p.Lang = "en"
	}
	if p.Realm == "" {
		p.Realm, _ = c.Get(ctxRealm).(string)
		// Keycloak 26's login theme shows the realm's display name when it
		// has one.
		if r, ok := s.realms[p.Realm]; ok && r.DisplayName != "" {
			p.Realm = r.DisplayName
		}
	}
	if p.Title == "" {
		p.Title = "Sign in to " + p.Realm
	}
	p.CSS = s.cfg.relativePath + cssPath
	s.changePageTexts(c, p)
	var buf bytes.Buffer
	if err := pageTemplates[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store, must-revalidate, max-age=0")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	return c.HTMLBlob(status, s.pageWithFaults(c, buf.Bytes()))
}

// writeErrorPage renders an error as Keycloak 26's "We are sorry..." page.
func (s *Server) writeErrorPage(c echo.Context, p *errorPage) {
	err := s.renderPage(c, p.status, "error", &page{Heading: "We are sorry...", Text: p.message})
	if err != nil {
		s.log.Error("rendering the error page failed", "error", err)
	}
}

// handleLoginCSS serves the stylesheet of the login pages.
func (s *Server) handleLoginCSS(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "max-age=2592000")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", loginCSS)
}

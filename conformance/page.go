package conformance

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Form is an HTML form found on a page.
type Form struct {
	ID     string
	Action string
	Method string
	// Fields are the named input, select and textarea controls, with their
	// initial values. Submit buttons are in Buttons instead.
	Fields url.Values
	// Buttons are the named submit buttons, with their values.
	Buttons url.Values
	// PasswordFields names the controls of type password.
	PasswordFields []string
	// TextFields names the text-like controls (text, email, or no type).
	TextFields []string
}

// IsLogin reports whether the form is a login form: it has a password
// control and a text control.
func (f *Form) IsLogin() bool {
	return len(f.PasswordFields) > 0 && f.usernameField() != ""
}

// usernameField returns the name of the control that takes the user name:
// "username" (Keycloak), else "login" (oidc-provider), else "email", else the
// first text control.
func (f *Form) usernameField() string {
	for _, want := range []string{"username", "login", "email"} {
		for _, name := range f.TextFields {
			if name == want {
				return name
			}
		}
	}
	if len(f.TextFields) > 0 {
		return f.TextFields[0]
	}
	return ""
}

// Page is a parsed HTML page.
type Page struct {
	Title string
	// Text is the visible text with white space collapsed.
	Text  string
	Forms []*Form
}

// LoginForm returns Keycloak's kc-form-login, else the first form with a
// user name and a password field, else the first form with a password
// field, else nil. The last case covers re-authentication pages, which may
// show no user name field. NOTE: Keycloak 26's login theme is believed to
// hide that field when a known user logs in again; not checked against a
// running Keycloak.
func (p *Page) LoginForm() *Form {
	for _, f := range p.Forms {
		if f.ID == "kc-form-login" {
			return f
		}
	}
	for _, f := range p.Forms {
		if f.IsLogin() {
			return f
		}
	}
	for _, f := range p.Forms {
		if len(f.PasswordFields) > 0 {
			return f
		}
	}
	return nil
}

// FormWithButton returns the first form with a submit button of that name.
func (p *Page) FormWithButton(name string) *Form {
	for _, f := range p.Forms {
		if _, ok := f.Buttons[name]; ok {
			return f
		}
	}
	return nil
}

// Contains reports whether the visible text contains s.
func (p *Page) Contains(s string) bool { return strings.Contains(p.Text, s) }

// ParsePage parses an HTML document. The HTML5 parsing algorithm accepts
// any input, so a page that html.Parse rejects (only on a read error) is
// returned empty.
func ParsePage(body []byte) *Page {
	doc, err := html.Parse(bytes.NewReader(body))
	p := &Page{}
	if err != nil {
		return p
	}
	var text strings.Builder
	var forms []*Form
	var current *Form
	// Controls outside a form that name it with a form attribute, as
	// oidc-provider's logout buttons do (HTML "form" attribute).
	var detached []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript:
				return
			case atom.Title:
				if p.Title == "" {
					p.Title = strings.TrimSpace(nodeText(n))
				}
				return
			case atom.Form:
				f := &Form{
					ID:      attr(n, "id"),
					Action:  attr(n, "action"),
					Method:  strings.ToUpper(attr(n, "method")),
					Fields:  url.Values{},
					Buttons: url.Values{},
				}
				if f.Method == "" {
					f.Method = "GET"
				}
				forms = append(forms, f)
				outer := current
				current = f
				for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
					walk(ch)
				}
				current = outer
				return
			case atom.Input, atom.Button, atom.Select, atom.Textarea:
				if owner := attr(n, "form"); owner != "" {
					detached = append(detached, n)
				} else if current != nil {
					addControl(current, n)
				}
			}
		}
		if n.Type == html.TextNode {
			text.WriteString(n.Data)
			text.WriteByte(' ')
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(doc)
	for _, n := range detached {
		for _, f := range forms {
			if f.ID == attr(n, "form") {
				addControl(f, n)
			}
		}
	}
	p.Text = strings.Join(strings.Fields(text.String()), " ")
	p.Forms = forms
	return p
}

// addControl records one form control.
func addControl(f *Form, n *html.Node) {
	name := attr(n, "name")
	typ := strings.ToLower(attr(n, "type"))
	switch n.DataAtom {
	case atom.Button:
		if typ == "" || typ == "submit" {
			if name != "" {
				f.Buttons.Add(name, attr(n, "value"))
			} else {
				f.Buttons.Add("", "")
			}
		}
		return
	case atom.Textarea:
		if name != "" {
			f.Fields.Add(name, nodeText(n))
			f.TextFields = append(f.TextFields, name)
		}
		return
	case atom.Select:
		if name != "" {
			f.Fields.Add(name, "")
		}
		return
	}
	switch typ {
	case "submit", "image":
		f.Buttons.Add(name, attr(n, "value"))
	case "password":
		if name != "" {
			f.PasswordFields = append(f.PasswordFields, name)
			f.Fields.Add(name, "")
		}
	case "checkbox", "radio":
		if name != "" && hasAttr(n, "checked") {
			v := attr(n, "value")
			if v == "" {
				v = "on"
			}
			f.Fields.Add(name, v)
		}
	case "", "text", "email":
		if name != "" {
			f.TextFields = append(f.TextFields, name)
			f.Fields.Add(name, attr(n, "value"))
		}
	default: // hidden and the other text-like types
		if name != "" {
			f.Fields.Add(name, attr(n, "value"))
		}
	}
}

// attr returns the value of the named attribute, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasAttr reports whether n has the named attribute.
func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// nodeText returns the concatenated text below n.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(n)
	return b.String()
}

// pageText returns the title and visible text of an HTML body, for evidence.
func pageText(body []byte) string {
	p := ParsePage(body)
	if p.Title != "" && !strings.HasPrefix(p.Text, p.Title) {
		return p.Title + ": " + p.Text
	}
	return p.Text
}

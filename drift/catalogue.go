package drift

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Page kinds in the catalogue.
const (
	KindEndpoint  = "endpoint"
	KindCallback  = "callback"
	KindGuide     = "guide"
	KindDuplicate = "duplicate"
)

//go:embed pages.yaml
var pagesYAML []byte

// Catalogue is the declared list of NXCloud pages (pages.yaml).
type Catalogue struct {
	Pages map[string]*Entry `yaml:"pages"`
}

// Entry is what the catalogue declares about one page.
type Entry struct {
	Kind    string   `yaml:"kind" json:"kind"`
	Product string   `yaml:"product" json:"product"`
	Auth    authList `yaml:"auth" json:"auth,omitempty"`
	// Schema is "spec#Schema", the model of a callback; a list gives one
	// per callback of a page that documents several, in page order.
	Schema authList `yaml:"schema" json:"schema,omitempty"`
	// Codes names the spec ("nxcloud/pns") whose result codes a guide page
	// lists: drift compares them with that spec's catalogue.
	Codes    string `yaml:"codes" json:"codes,omitempty"`
	Pending  string `yaml:"pending" json:"pending,omitempty"`
	Excluded string `yaml:"excluded" json:"excluded,omitempty"`
	// Operation names ("nxcloud/pns bindAXB"), one per endpoint of the
	// page, the operation that covers an endpoint its URL cannot find:
	// operations sharing one URL (x-path), or a page whose URL is wrong.
	Operation authList `yaml:"operation" json:"operation,omitempty"`
}

// OperationOf is the operation the catalogue names for the page's i-th
// endpoint ("" when it names none).
func (e *Entry) OperationOf(i int) string {
	switch {
	case len(e.Operation) == 0:
		return ""
	case i < len(e.Operation):
		return e.Operation[i]
	default:
		return e.Operation[len(e.Operation)-1]
	}
}

// AuthOf is the scheme of the page's i-th endpoint.
func (e *Entry) AuthOf(i int) string {
	switch {
	case len(e.Auth) == 0:
		return "-"
	case i < len(e.Auth):
		return e.Auth[i]
	default:
		return e.Auth[len(e.Auth)-1]
	}
}

// authList is one scheme or a list of them.
type authList []string

func (a *authList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*a = authList{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*a = l
	return nil
}

var authSchemes = map[string]bool{
	"signed": true, "key-form": true, "key-query": true, "key-json": true,
	"login": true, "none": true, "unsigned": true, "token": true,
}

// DefaultCatalogue is the embedded pages.yaml.
func DefaultCatalogue() *Catalogue {
	c, err := ParseCatalogue(pagesYAML)
	if err != nil {
		panic(err) // the package's tests load it
	}
	return c
}

// ParseCatalogue reads a catalogue in the shape of pages.yaml and checks
// each entry.
func ParseCatalogue(raw []byte) (*Catalogue, error) {
	var c Catalogue
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("drift: catalogue: %w", err)
	}
	for _, name := range c.names() {
		e := c.Pages[name]
		if err := e.check(); err != nil {
			return nil, fmt.Errorf("drift: catalogue: %s: %w", name, err)
		}
	}
	return &c, nil
}

func (e *Entry) check() error {
	if e == nil {
		return fmt.Errorf("empty entry")
	}
	switch e.Kind {
	case KindEndpoint, KindCallback:
	case KindGuide, KindDuplicate:
		if e.Excluded == "" {
			return fmt.Errorf("a %s needs an excluded reason", e.Kind)
		}
	default:
		return fmt.Errorf("kind %q: want endpoint, callback, guide or duplicate", e.Kind)
	}
	if e.Product == "" {
		return fmt.Errorf("no product")
	}
	for _, a := range e.Auth {
		if !authSchemes[a] {
			return fmt.Errorf("unknown auth scheme %q", a)
		}
	}
	if (e.Kind == KindEndpoint || e.Kind == KindCallback) && len(e.Auth) == 0 {
		return fmt.Errorf("no auth scheme")
	}
	if e.Codes != "" && e.Kind != KindGuide {
		return fmt.Errorf("codes is for guide pages (an endpoint's or callback's codes are compared anyway)")
	}
	if e.Pending != "" && e.Excluded != "" {
		return fmt.Errorf("both pending and excluded")
	}
	for _, o := range e.Operation {
		if e.Kind != KindEndpoint {
			return fmt.Errorf("operation is for endpoints")
		}
		if spec, id, ok := strings.Cut(o, " "); !ok || spec == "" || id == "" {
			return fmt.Errorf("operation %q: want \"<spec> <operationId>\"", o)
		}
	}
	for _, sc := range e.Schema {
		if e.Kind != KindCallback {
			return fmt.Errorf("schema is for callbacks")
		}
		if _, _, ok := strings.Cut(sc, "#"); !ok {
			return fmt.Errorf("schema %q: want spec#Schema", sc)
		}
	}
	return nil
}

func (c *Catalogue) names() []string {
	var n []string
	for k := range c.Pages {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

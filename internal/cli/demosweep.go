package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/verikit/verikit/mock"
	"github.com/verikit/verikit/specs"
	"github.com/verikit/verikit/upload"
)

// servedOps records which operations a handler was asked for, so that the
// demo can reach each one its flows left out.
type servedOps struct {
	next http.Handler
	mu   sync.Mutex
	seen map[string]bool // by Operation.FullName
}

func (s *servedOps) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.next.ServeHTTP(w, r)
	// The mock names the operation it took the request for.
	if name := w.Header().Get(mock.HeaderOperation); name != "" {
		s.mu.Lock()
		s.seen[name] = true
		s.mu.Unlock()
	}
}

func (s *servedOps) served(o *specs.Operation) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[o.FullName()]
}

// sweepSteps calls, once each with its spec's request example, every
// operation the demo's flows did not reach: a spec's new operation is in
// the demo with no code. The mock answers those it keeps no state for
// from the spec's response example.
func sweepSteps(c *clients, served *servedOps) ([]demoStep, error) {
	var steps []demoStep
	for _, b := range operations {
		d, err := specs.Load(b.spec)
		if err != nil {
			return nil, err
		}
		o, found := d.Operation(b.id)
		if !found {
			return nil, fmt.Errorf("demo: %s has no operation %s", b.spec, b.id)
		}
		if served.served(o) {
			continue
		}
		in := input{path: map[string]string{}}
		if ex := o.RequestExample(); ex != nil {
			in.files = exampleFiles(o, ex)
			if in.body, err = json.Marshal(ex); err != nil {
				return nil, err
			}
		}
		for _, f := range pathFields(o) {
			if f.example != nil {
				in.path[f.name] = fmt.Sprint(f.example)
			}
		}
		b, o := b, o
		steps = append(steps, demoStep{
			group: b.vendor + " " + b.product,
			what:  fmt.Sprintf("%s %s %s (spec example)", b.vendor, b.product, b.command),
			run: func(ctx context.Context) (string, error) {
				res, err := b.call(ctx, c, in)
				if err != nil {
					return "", err
				}
				if res == nil || res == done {
					return "accepted", nil
				}
				v, err := printable(o, res, false) // credentials an answer echoes print as ***
				if err != nil {
					return "", err
				}
				out, err := json.Marshal(v)
				return excerpt(out), err
			},
		})
	}
	return steps, nil
}

// exampleFiles takes a multipart operation's files out of its request
// example (a copy, which RequestExample makes): a file field's example
// text becomes the content of the file sent, apart from the JSON body, as
// a file flag's does.
func exampleFiles(o *specs.Operation, ex map[string]any) map[string]upload.File {
	files := map[string]upload.File{}
	for _, name := range o.FileFields() {
		if text, ok := ex[name].(string); ok {
			files[name] = upload.File{Name: name, Body: strings.NewReader(text), Size: int64(len(text))}
			delete(ex, name)
		}
	}
	return files
}

// excerpt is the start of a result, for one line of the demo.
func excerpt(b []byte) string {
	const limit = 72
	if len(b) <= limit {
		return string(b)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut]) + "…"
}

// callbackSweep has the mock deliver each callback a spec declares, with
// its schema's example, to the demo's receiver for it.
func callbackSweep(m *mock.Server, hooks *demoHooks) []demoStep {
	steps := make([]demoStep, 0, len(hooks.routes))
	for _, r := range hooks.routes {
		steps = append(steps, demoStep{
			group: r.vendor + " " + r.cb.Doc.SDK.Command,
			what:  fmt.Sprintf("%s %s callback (spec example)", r.vendor, r.kind),
			run: func(ctx context.Context) (string, error) {
				example, ok := r.cb.Schema.Example.(map[string]any)
				if !ok {
					return "", fmt.Errorf("demo: %s %s has no example object", r.cb.Doc.Name, r.cb.Name)
				}
				if err := m.SendCallback(ctx, hooks.url+r.path, r.cb.Doc.Name, r.cb.Name, example); err != nil {
					return "", err
				}
				return hooks.last(), nil
			},
		})
	}
	return steps
}

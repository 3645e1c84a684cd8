package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// WriteDrift prints the undeclared findings, one a line, then a count;
// with declared, the declared findings and their reasons too.
func (r *Report) WriteDrift(w io.Writer, declared bool) error {
	und, dec := r.Undeclared(), r.Declared()
	for _, f := range und {
		fmt.Fprintln(w, f.String())
	}
	if declared && len(dec) > 0 {
		fmt.Fprintln(w, "declared (not drift):")
		for _, f := range dec {
			fmt.Fprintf(w, "  %s\n    declared at %s: %s\n", f.String(), f.Declared.Where, f.Declared.Reason)
		}
	}
	_, err := fmt.Fprintf(w, "drift: %d undeclared, %d declared\n", len(und), len(dec))
	return err
}

// WriteDriftJSON prints {"undeclared": [...], "declared": [...]}.
func (r *Report) WriteDriftJSON(w io.Writer) error {
	und, dec := r.Undeclared(), r.Declared()
	if und == nil {
		und = []Finding{}
	}
	if dec == nil {
		dec = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string][]Finding{"undeclared": und, "declared": dec})
}

// Tally counts covered items of a group.
type Tally struct {
	Endpoints        int `json:"endpoints"`
	EndpointsCovered int `json:"endpointsCovered"`
	Callbacks        int `json:"callbacks"`
	CallbacksCovered int `json:"callbacksCovered"`
	Pending          int `json:"pending"`
	Excluded         int `json:"excluded"`
	Uncovered        int `json:"uncovered"`
}

func (t *Tally) count(r Row) {
	covered := r.Status == StatusCovered
	if r.Kind == KindCallback {
		t.Callbacks++
		if covered {
			t.CallbacksCovered++
		}
	} else {
		t.Endpoints++
		if covered {
			t.EndpointsCovered++
		}
	}
	switch r.Status {
	case StatusPending:
		t.Pending++
	case StatusExcluded:
		t.Excluded++
	case StatusNone:
		t.Uncovered++
	}
}

// Totals is the coverage summary.
type Totals struct {
	ByVendor  map[string]*Tally `json:"byVendor"`
	ByProduct map[string]*Tally `json:"byProduct"`
	ByAuth    map[string]*Tally `json:"byAuth"`
	All       Tally             `json:"all"`
}

// Totals sums the coverage by vendor, product and auth scheme.
func (r *Report) Totals() Totals {
	t := Totals{ByVendor: map[string]*Tally{}, ByProduct: map[string]*Tally{}, ByAuth: map[string]*Tally{}}
	get := func(m map[string]*Tally, k string) *Tally {
		if m[k] == nil {
			m[k] = &Tally{}
		}
		return m[k]
	}
	for _, row := range r.Coverage {
		get(t.ByVendor, row.Vendor).count(row)
		get(t.ByProduct, row.Product).count(row)
		get(t.ByAuth, row.Kind+" "+row.Auth).count(row)
		t.All.count(row)
	}
	return t
}

// WriteCoverage prints every documented endpoint and callback with what
// covers it, then the totals by product and auth scheme, and ends with
// the summary lines.
func (r *Report) WriteCoverage(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKIND\tPRODUCT\tAUTH\tMETHOD\tURL\tSTATUS\tCOVERED BY / REASON")
	for _, row := range r.Coverage {
		by := row.CoveredBy
		if by == "" {
			by = row.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Source, row.Kind, row.Product, row.Auth,
			orWord(row.Method, "-"), orWord(row.URL, "-"), row.Status, by)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	t := r.Totals()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PRODUCT\tENDPOINTS COVERED\tCALLBACKS COVERED\tPENDING\tEXCLUDED")
	for _, k := range sortedKeys(t.ByProduct) {
		p := t.ByProduct[k]
		fmt.Fprintf(tw, "%s\t%d/%d\t%d/%d\t%d\t%d\n", k, p.EndpointsCovered, p.Endpoints, p.CallbacksCovered, p.Callbacks, p.Pending, p.Excluded)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AUTH SCHEME\tCOVERED\tPENDING\tEXCLUDED")
	for _, k := range sortedKeys(t.ByAuth) {
		a := t.ByAuth[k]
		fmt.Fprintf(tw, "%s\t%d/%d\t%d\t%d\n", k, a.EndpointsCovered+a.CallbacksCovered, a.Endpoints+a.Callbacks, a.Pending, a.Excluded)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(r.Guides) > 0 {
		var parts []string
		for _, k := range sortedKeys(r.Guides) {
			parts = append(parts, fmt.Sprintf("%d %s", r.Guides[k], k))
		}
		fmt.Fprintf(w, "pages that document no endpoint (not counted): %s\n", strings.Join(parts, ", "))
	}
	for _, v := range []string{"nxcloud", "engagelab"} {
		s := t.ByVendor[v]
		if s == nil {
			fmt.Fprintf(w, "%s: docs not read\n", v)
			continue
		}
		fmt.Fprintf(w, "%s: %d of %d endpoints covered, %d of %d callbacks covered (%d pending, %d excluded, %d uncovered)\n",
			v, s.EndpointsCovered, s.Endpoints, s.CallbacksCovered, s.Callbacks, s.Pending, s.Excluded, s.Uncovered)
	}
	_, err := fmt.Fprintf(w, "total: %d of %d documented endpoints and callbacks covered\n",
		t.All.EndpointsCovered+t.All.CallbacksCovered, t.All.Endpoints+t.All.Callbacks)
	return err
}

// WriteCoverageJSON prints the rows and totals as JSON.
func (r *Report) WriteCoverageJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Rows         []Row          `json:"rows"`
		Totals       Totals         `json:"totals"`
		NotEndpoints map[string]int `json:"notEndpoints,omitempty"`
	}{r.Coverage, r.Totals(), r.Guides})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

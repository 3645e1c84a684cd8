package drift

import (
	"github.com/verikit/verikit/specs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// key is what a test expects of a finding.
type key struct{ kind, source, field string }

func keys(fs []Finding) []key {
	out := make([]key, 0, len(fs))
	for _, f := range fs {
		src := f.Source
		if src == "" {
			src = f.Operation
		}
		out = append(out, key{f.Kind, src, f.Field})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.source != b.source {
			return a.source < b.source
		}
		if a.field != b.field {
			return a.field < b.field
		}
		return a.kind < b.kind
	})
	return out
}

var phoneListData = key{Type, "whatsapp-api-phonelist", "response.data"}

func TestDriftScenarios(t *testing.T) {
	newPage := &fixturePage{title: "Refresh", url: "https://api2.nxcloud.com/api/ota/refresh", bizType: "6", action: "refresh",
		body: []row{{"appkey", "String", "Yes"}}, response: otaResp, codes: []string{"0"}}
	cases := []struct {
		name   string
		mutate func(map[string]*fixturePage)
		extra  string // catalogue lines
		want   []key  // the undeclared findings, exactly
		// divergenceGone: the page no longer differs where the spec
		// declares it does.
		divergenceGone bool
	}{
		{name: "pages as the specs have them", mutate: func(map[string]*fixturePage) {}},
		{
			name: "field added",
			mutate: func(p map[string]*fixturePage) {
				p["ota-api-init"].body = append(p["ota-api-init"].body, row{"channel", "String", "No"})
			},
			want: []key{{MissingInSpec, "ota-api-init", "request.channel"}},
		},
		{
			name:   "field removed",
			mutate: func(p map[string]*fixturePage) { p["ota-api-init"].body = p["ota-api-init"].body[:2] },
			want:   []key{{MissingInDocs, "ota-api-init", "request.userIp"}},
		},
		{
			name:   "field made optional",
			mutate: func(p map[string]*fixturePage) { p["ota-api-init"].body[1].req = "No" },
			want:   []key{{Required, "ota-api-init", "request.phone"}},
		},
		{
			name:   "type changed",
			mutate: func(p map[string]*fixturePage) { p["whatsapp-api-checkcode"].body[1].typ = "Integer" },
			want:   []key{{Type, "whatsapp-api-checkcode", "request.code"}},
		},
		{
			name:   "response field type changed",
			mutate: func(p map[string]*fixturePage) { p["whatsapp-api-createapp"].data[0].typ = "String" },
			want:   []key{{Type, "whatsapp-api-createapp", "response.data.app_id"}},
		},
		{
			name:   "result code added",
			mutate: func(p map[string]*fixturePage) { p["ota-api-verify"].codes = append(p["ota-api-verify"].codes, "2207") },
			want:   []key{{CodeMissingInSpec, "ota-api-verify", "code 2207"}},
		},
		{
			name: "result code no page documents",
			mutate: func(p map[string]*fixturePage) {
				p["whatsapp-api-createapp"].codes = p["whatsapp-api-createapp"].codes[:len(waCodes)]
			},
			want: []key{{CodeMissingInDocs, "nxcloud/wa-integrator", "code 9009"}},
		},
		{
			name:   "action changed",
			mutate: func(p map[string]*fixturePage) { p["whatsapp-api-createclient"].action = "newClient" },
			want:   []key{{Action, "whatsapp-api-createclient", "action"}},
		},
		{
			name:   "bizType changed",
			mutate: func(p map[string]*fixturePage) { p["ota-api-verify"].bizType = "8" },
			want:   []key{{BizType, "ota-api-verify", "bizType"}},
		},
		{
			name:   "endpoint no spec has, page not in the catalogue",
			mutate: func(p map[string]*fixturePage) { p["ota-api-refresh"] = newPage },
			want:   []key{{UndeclaredPage, "ota-api-refresh", ""}},
		},
		{
			name:   "endpoint no spec has, declared as covered",
			mutate: func(p map[string]*fixturePage) { p["ota-api-refresh"] = newPage },
			extra:  "  ota-api-refresh: {kind: endpoint, product: OTA, auth: signed}\n",
			want:   []key{{NoOperation, "ota-api-refresh", ""}},
		},
		{
			name:   "endpoint no spec has, declared pending",
			mutate: func(p map[string]*fixturePage) { p["ota-api-refresh"] = newPage },
			extra:  "  ota-api-refresh: {kind: endpoint, product: OTA, auth: signed, pending: not yet specified}\n",
		},
		{
			name:   "catalogued page gone",
			mutate: func(p map[string]*fixturePage) { delete(p, "whatsapp-api-login") },
			want: []key{
				{UndocumentedOperation, "nxcloud/wa-integrator login", ""},
				{PageMissing, "whatsapp-api-login", ""},
			},
		},
		{
			name:           "declared divergence no longer found",
			mutate:         func(p map[string]*fixturePage) { p["whatsapp-api-phonelist"].response[1].typ = "Array" },
			want:           []key{{StaleDeclaration, "nxcloud/wa-integrator phoneList response.data", ""}},
			divergenceGone: true,
		},
	}
	for _, shape := range []string{"markdown", "text"} {
		for _, tc := range cases {
			t.Run(shape+"/"+tc.name, func(t *testing.T) {
				pages := basePages()
				for k, p := range pages {
					pages[k] = p.clone()
				}
				tc.mutate(pages)
				dir := writePages(t, pages, shape == "text")
				r, err := Check(Options{NXCloudDocs: dir, Catalogue: baseCatalogue(tc.extra), Specs: fixtureSpecs(t)})
				require.NoError(t, err)
				want := tc.want
				if want == nil {
					want = []key{}
				}
				assert.Equal(t, want, keys(r.Undeclared()))
				if tc.divergenceGone {
					assert.Empty(t, r.Declared())
				} else {
					assert.Equal(t, []key{phoneListData}, keys(r.Declared()), "the declared divergence is found and not reported as drift")
				}
			})
		}
	}
}

func TestStalePendingPage(t *testing.T) {
	pages := basePages()
	dir := writePages(t, pages, false)
	c := baseCatalogue("")
	c.Pages["ota-api-init"].Pending = "not yet specified"
	r, err := Check(Options{NXCloudDocs: dir, Catalogue: c, Specs: fixtureSpecs(t)})
	require.NoError(t, err)
	require.Len(t, r.Undeclared(), 1)
	f := r.Undeclared()[0]
	assert.Equal(t, StaleDeclaration, f.Kind)
	assert.Equal(t, "ota-api-init", f.Source)
	assert.Equal(t, "nxcloud/ota init", f.Operation)
	assert.Contains(t, f.Note, "remove the pending line")
}

func TestParsePageShapes(t *testing.T) {
	p := basePages()["ota-api-init"]
	for _, shape := range []string{"markdown", "text"} {
		t.Run(shape, func(t *testing.T) {
			src := p.markdown()
			if shape == "text" {
				src = p.text()
			}
			page := ParsePage("ota-api-init.md", []byte(src))
			require.Len(t, page.Endpoints, 1)
			e := page.Endpoints[0]
			yes := true
			assert.Equal(t, []string{"POST"}, e.Methods)
			assert.Equal(t, "https://api2.nxcloud.com/api/ota/init", e.URL)
			assert.Equal(t, "/api/ota/init", e.Path())
			assert.Equal(t, "https://api2.nxcloud.com", e.Server())
			assert.Equal(t, "application/json", e.ContentType)
			assert.Equal(t, "6", e.BizType)
			assert.Equal(t, "init", e.Action)
			assert.Equal(t, []Field{
				{Name: "appkey", Type: "string", Required: &yes},
				{Name: "phone", Type: "string", Required: &yes},
				{Name: "userIp", Type: "string", Required: &yes},
			}, e.Request)
			assert.Equal(t, []Field{
				{Name: "code", Type: "integer"}, {Name: "data", Type: "object"}, {Name: "msg", Type: "string"},
				{Name: "data.requestId", Type: "string"}, {Name: "data.url", Type: "string"},
			}, e.Response)
			var codes []string
			for _, c := range e.Codes {
				codes = append(codes, c.Text)
			}
			assert.Equal(t, p.codes, codes)
		})
	}
}

// The seed pages the project started from: the same page in both shapes
// must read the same.
func TestSeedPagesReadAlike(t *testing.T) {
	seeds := filepath.Join("..", "..", "shared", "reference", "seeds")
	docs := filepath.Join("..", "..", "shared", "reference", "nxcloud-docs")
	if _, err := os.Stat(seeds); err != nil {
		t.Skipf("reference pages not found at %s (the shared/ directory beside the repository): %v", seeds, err)
	}
	for _, tc := range []struct{ seed, page string }{
		{"000_2382421f64b624f3.txt", "ota-api-verify.md"},
		{"001_fcb2bec9c47f19ca.txt", "ota-api-init.md"},
		{"002_4d7602989f875a2a.txt", "whatsapp-api-checkcode.md"},
	} {
		t.Run(tc.page, func(t *testing.T) {
			a, err := os.ReadFile(filepath.Join(seeds, tc.seed))
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(docs, tc.page))
			require.NoError(t, err)
			ea, eb := ParsePage(tc.seed, a).Endpoints, ParsePage(tc.page, b).Endpoints
			require.Len(t, ea, 1)
			require.Len(t, eb, 1)
			ea[0].Source, ea[0].Title, eb[0].Source, eb[0].Title = "", "", "", ""
			assert.Equal(t, eb[0], ea[0])
			assert.NotEmpty(t, ea[0].Request)
			assert.NotEmpty(t, ea[0].Codes)
		})
	}
}

func TestParseCode(t *testing.T) {
	cases := []struct {
		in       string
		low, top int
		ok       bool
	}{
		{"0", 0, 0, true},
		{"-1", -1, -1, true},
		{"2206", 2206, 2206, true},
		{"1000~100X", 1000, 1009, true},
		{"1001-1005", 1001, 1005, true},
		{"`9901`", 9901, 9901, true},
		{"abc", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			c, ok := parseCode(tc.in)
			require.Equal(t, tc.ok, ok)
			if ok {
				assert.Equal(t, tc.low, c.Low)
				assert.Equal(t, tc.top, c.Top)
			}
		})
	}
}

func TestCatalogue(t *testing.T) {
	c := DefaultCatalogue()
	assert.Len(t, c.Pages, 107, "pages.yaml lists every page of the NXCloud wiki")
	bad := []struct{ name, yaml string }{
		{"unknown kind", "pages: {a: {kind: page, product: X, auth: signed}}"},
		{"guide without reason", "pages: {a: {kind: guide, product: X}}"},
		{"no product", "pages: {a: {kind: endpoint, auth: signed}}"},
		{"unknown auth", "pages: {a: {kind: endpoint, product: X, auth: magic}}"},
		{"no auth", "pages: {a: {kind: endpoint, product: X}}"},
		{"pending and excluded", "pages: {a: {kind: endpoint, product: X, auth: signed, pending: p, excluded: e}}"},
		{"schema on an endpoint", "pages: {a: {kind: endpoint, product: X, auth: signed, schema: 'a#B'}}"},
		{"schema without #", "pages: {a: {kind: callback, product: X, auth: unsigned, schema: ab}}"},
		{"unknown field", "pages: {a: {kind: endpoint, product: X, auth: signed, covered: yes}}"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCatalogue([]byte(tc.yaml))
			assert.Error(t, err)
		})
	}
	multi, err := ParseCatalogue([]byte("pages: {a: {kind: endpoint, product: X, auth: [key-form, login]}}"))
	require.NoError(t, err)
	assert.Equal(t, "key-form", multi.Pages["a"].AuthOf(0))
	assert.Equal(t, "login", multi.Pages["a"].AuthOf(1))
	assert.Equal(t, "login", multi.Pages["a"].AuthOf(5))
}

// fixtureSpecs are the specs the fixture pages document (OTA and the
// WhatsApp integrator): the other products have no page among them.
func fixtureSpecs(t *testing.T) []*specs.Document {
	t.Helper()
	var out []*specs.Document
	for _, name := range []string{"nxcloud/ota", "nxcloud/wa-integrator"} {
		d, err := specs.Load(name)
		require.NoError(t, err)
		out = append(out, d)
	}
	return out
}

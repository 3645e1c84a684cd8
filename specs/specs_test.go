package specs_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

// TestNamesListsEverySpec compares Names with the YAML files on disk beside
// this package (testdata aside): a spec file that the embed pattern misses,
// a new vendor's directory say, fails here.
func TestNamesListsEverySpec(t *testing.T) {
	var onDisk []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && p == "testdata":
			return filepath.SkipDir
		case !d.IsDir() && filepath.Ext(p) == ".yaml":
			onDisk = append(onDisk, strings.TrimSuffix(filepath.ToSlash(p), ".yaml"))
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, onDisk, "no spec files found beside the test")
	sort.Strings(onDisk)
	assert.Equal(t, onDisk, specs.Names())

	// Every spec sits one directory down, <vendor>/<product>.yaml, as the
	// embed pattern and SDK.Vendor assume.
	globbed, err := filepath.Glob(filepath.Join("*", "*.yaml"))
	require.NoError(t, err)
	var names []string
	for _, g := range globbed {
		if n := filepath.ToSlash(g); !strings.HasPrefix(n, "testdata/") {
			names = append(names, strings.TrimSuffix(n, ".yaml"))
		}
	}
	sort.Strings(names) // "sms-v2.yaml" globs before "sms.yaml"
	assert.Equal(t, onDisk, names)
}

func TestEverySpecLoads(t *testing.T) {
	for _, name := range specs.Names() {
		t.Run(name, func(t *testing.T) {
			d, err := specs.Load(name)
			require.NoError(t, err)
			require.NotNil(t, d)
			assert.Equal(t, name, d.Name)
			assert.NotNil(t, d.OpenAPI)
			assert.NotEmpty(t, d.Operations, "a spec without operations")
			assert.True(t, strings.HasPrefix(d.ServerURL(), "https://"), "server URL %q", d.ServerURL())

			raw, err := specs.Raw(name)
			require.NoError(t, err)
			assert.NotEmpty(t, raw)

			again, err := specs.Load(name)
			require.NoError(t, err)
			assert.Same(t, d, again, "Load caches the document")
		})
	}
}

func TestAllLoadsEverySpec(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	assert.Equal(t, specs.Names(), names)
}

func TestLoadUnknownSpec(t *testing.T) {
	_, err := specs.Load("nxcloud/nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nxcloud/nope")

	_, err = specs.Raw("nxcloud/nope")
	assert.Error(t, err)

	assert.Panics(t, func() { specs.MustLoad("nxcloud/nope") })
}

func TestLoadIsSafeForConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		for _, name := range specs.Names() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := specs.Load(name)
				assert.NoError(t, err)
			}()
		}
	}
	wg.Wait()
}

func TestEveryOperationHasMetadata(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	for _, d := range docs {
		for _, o := range d.Operations {
			t.Run(o.FullName(), func(t *testing.T) {
				assert.NotEmpty(t, o.ID)
				assert.Same(t, d, o.Doc)
				assert.Contains(t, []specs.RetryClass{specs.Safe, specs.Unsafe}, o.Retry, "retry class")
				assert.Equal(t, strings.ToUpper(o.Method), o.Method)
				assert.True(t, strings.HasPrefix(o.Path, "/"), "path %q", o.Path)
				assert.Equal(t, d.Name+" "+o.ID, o.FullName())

				byID, ok := d.Operation(o.ID)
				require.True(t, ok)
				assert.Same(t, o, byID)

				// An operation sharing its URL (x-path) is one of those the
				// URL matches; any other is the one its path matches.
				byPath, ok := d.Match(o.Method, o.SendPath)
				require.True(t, ok, "an operation matches the path it is sent to")
				if o.SendPath == o.Path {
					assert.Same(t, o, byPath)
				} else {
					assert.Contains(t, d.MatchAll(o.Method, o.SendPath), o)
				}

				switch {
				case strings.HasPrefix(d.Name, "nxcloud/") && o.Signed():
					assert.Equal(t, specs.AuthSigned, o.Auth())
					assert.NotEmpty(t, o.BizType)
					assert.NotEmpty(t, o.Action)
				case strings.HasPrefix(d.Name, "nxcloud/"):
					// An NXCloud operation that is not signed sends an
					// application's key pair, or nothing.
					assert.Contains(t, []specs.Auth{specs.AuthApp, specs.AuthNone}, o.Auth())
					assert.Empty(t, o.BizType)
					assert.Empty(t, o.Action)
				default:
					assert.False(t, o.Signed(), "only NXCloud operations are signed")
					assert.Empty(t, o.BizType)
					assert.Empty(t, o.Action)
				}
			})
		}
	}
}

// TestSignedConstantsOfTheSeedOperations restates NXCloud's documented
// bizType/action of each seed endpoint, so that a typo in a spec is caught.
func TestSignedConstantsOfTheSeedOperations(t *testing.T) {
	tests := []struct {
		spec, id, path  string
		bizType, action string
		retry           specs.RetryClass
	}{
		{"nxcloud/ota", "init", "/api/ota/init", "6", "init", specs.Unsafe},
		{"nxcloud/ota", "verify", "/api/ota/verify", "6", "verify", specs.Safe},
		{"nxcloud/wa-integrator", "checkCode", "/api/wa/integrator/embedded/register/checkCode", "2", "checkCode", specs.Unsafe},
		{"engagelab/otp", "verify", "/v1/verifications", "", "", specs.Unsafe},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.id, func(t *testing.T) {
			o, ok := specs.MustLoad(tt.spec).Operation(tt.id)
			require.True(t, ok)
			assert.Equal(t, http.MethodPost, o.Method)
			assert.Equal(t, tt.path, o.Path)
			assert.Equal(t, tt.bizType, o.BizType)
			assert.Equal(t, tt.action, o.Action)
			assert.Equal(t, tt.retry, o.Retry)
			assert.NotNil(t, o.BodySchema())
			assert.True(t, o.BodyRequired())
		})
	}
}

func TestMatch(t *testing.T) {
	d := specs.MustLoad("nxcloud/ota")
	tests := []struct {
		name, method, path string
		wantID             string // "" = no match
	}{
		{"init", http.MethodPost, "/api/ota/init", "init"},
		{"verify", http.MethodPost, "/api/ota/verify", "verify"},
		{"no leading slash", http.MethodPost, "api/ota/init", "init"},
		// Match trims slashes at both ends, so a trailing slash still names
		// the operation.
		{"trailing slash", http.MethodPost, "/api/ota/init/", "init"},
		{"wrong method", http.MethodGet, "/api/ota/init", ""},
		{"lower-case method", "post", "/api/ota/init", ""},
		{"unknown path", http.MethodPost, "/api/ota/nope", ""},
		{"prefix of a path", http.MethodPost, "/api/ota", ""},
		{"longer path", http.MethodPost, "/api/ota/init/extra", ""},
		{"empty segment", http.MethodPost, "/api//ota/init", ""},
		{"case differs", http.MethodPost, "/api/OTA/init", ""},
		{"root", http.MethodPost, "/", ""},
		{"other spec's path", http.MethodPost, "/v1/verifications", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ok := d.Match(tt.method, tt.path)
			if tt.wantID == "" {
				assert.False(t, ok)
				assert.Nil(t, o)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tt.wantID, o.ID)
		})
	}
}

func TestMatchPathParameters(t *testing.T) {
	d, err := specs.Parse("test/params", []byte(specWithParams))
	require.NoError(t, err)
	tests := []struct {
		path   string
		wantOK bool
	}{
		{"/v1/templates/abc", true},
		{"/v1/templates/123", true},
		{"/v1/templates/", false}, // empty parameter segment
		{"/v1/templates", false},
		{"/v1/templates/a/b", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			o, ok := d.Match(http.MethodGet, tt.path)
			assert.Equal(t, tt.wantOK, ok)
			if tt.wantOK {
				require.NotNil(t, o)
				assert.Equal(t, "getTemplate", o.ID)
				assert.Equal(t, specs.Safe, o.Retry)
				assert.False(t, o.Signed())
				assert.Nil(t, o.BodySchema())
				assert.False(t, o.BodyRequired())
				assert.Nil(t, o.ValidateBody(nil))
			}
		})
	}
}

func TestOperationByUnknownID(t *testing.T) {
	_, ok := specs.MustLoad("nxcloud/ota").Operation("nope")
	assert.False(t, ok)
}

func TestValidateBody(t *testing.T) {
	tests := []struct {
		name, spec, op string
		body           string
		want           []string // nil = valid
		wantPrefix     string   // for messages that quote a decoder error
	}{
		{
			name: "valid init", spec: "nxcloud/ota", op: "init",
			body: `{"appkey":"pem28kje","phone":"86158xxxx1795","userIp":"203.0.113.7"}`,
		},
		{
			name: "unknown properties are allowed", spec: "nxcloud/ota", op: "init",
			body: `{"appkey":"a","phone":"1","userIp":"x","extra":true}`,
		},
		{
			name: "valid checkCode", spec: "nxcloud/wa-integrator", op: "checkCode",
			body: `{"phone_number":"185xxx99","code":"1541"}`,
		},
		{
			name: "valid engagelab verify", spec: "engagelab/otp", op: "verify",
			body: `{"message_id":"1725407449772531712","verify_code":"667090"}`,
		},
		{
			name: "empty required body", spec: "nxcloud/ota", op: "init",
			body: ``,
			want: []string{"the request body is required"},
		},
		{
			name: "empty object", spec: "nxcloud/ota", op: "init",
			body: `{}`,
			want: []string{"appkey: is required", "phone: is required", "userIp: is required"},
		},
		{
			name: "empty object verify", spec: "nxcloud/ota", op: "verify",
			body: `{}`,
			want: []string{"appkey: is required", "requestId: is required"},
		},
		{
			name: "empty string field", spec: "nxcloud/ota", op: "init",
			body: `{"appkey":"","phone":"1","userIp":"x"}`,
			want: []string{"appkey: must not be empty"},
		},
		{
			name: "empty and missing fields", spec: "nxcloud/wa-integrator", op: "checkCode",
			body: `{"phone_number":""}`,
			want: []string{"code: is required", "phone_number: must not be empty"},
		},
		{
			name: "engagelab missing message_id", spec: "engagelab/otp", op: "verify",
			body: `{"verify_code":"667090"}`,
			want: []string{"message_id: is required"},
		},
		{
			name: "wrong type", spec: "nxcloud/ota", op: "init",
			body: `{"appkey":1,"phone":"1","userIp":"x"}`,
			want: []string{"appkey: value must be a string"},
		},
		{
			name: "array instead of object", spec: "nxcloud/ota", op: "init",
			body: `[]`,
			want: []string{"value must be an object"},
		},
		{
			name: "not JSON", spec: "nxcloud/ota", op: "init",
			body:       `not json`,
			wantPrefix: "the request body is not valid JSON: ",
		},
		{
			name: "truncated JSON", spec: "nxcloud/ota", op: "init",
			body:       `{"appkey":"a"`,
			wantPrefix: "the request body is not valid JSON: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ok := specs.MustLoad(tt.spec).Operation(tt.op)
			require.True(t, ok)
			got := o.ValidateBody([]byte(tt.body))
			switch {
			case tt.wantPrefix != "":
				require.Len(t, got, 1)
				assert.True(t, strings.HasPrefix(got[0], tt.wantPrefix), "problem %q", got[0])
			case tt.want == nil:
				assert.Empty(t, got)
			default:
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestSignedConstants(t *testing.T) {
	ota := specs.MustLoad("nxcloud/ota")
	initOp, ok := ota.Operation("init")
	require.True(t, ok)
	otpVerify, ok := specs.MustLoad("engagelab/otp").Operation("verify")
	require.True(t, ok)

	tests := []struct {
		name            string
		ctx             context.Context
		bizType, action string
		wantErr         string
	}{
		{"no operation", context.Background(), "", "", "carries no operation"},
		{"signed operation", specs.WithOperation(context.Background(), initOp), "6", "init", ""},
		{"unsigned operation", specs.WithOperation(context.Background(), otpVerify), "", "", "not an NXCloud-signed operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(tt.ctx, http.MethodPost, "/api/ota/init", nil)
			bizType, action, err := specs.SignedConstants(req)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.bizType, bizType)
			assert.Equal(t, tt.action, action)
		})
	}
}

func TestOperationFrom(t *testing.T) {
	_, ok := specs.OperationFrom(context.Background())
	assert.False(t, ok)

	o, _ := specs.MustLoad("nxcloud/ota").Operation("verify")
	got, ok := specs.OperationFrom(specs.WithOperation(context.Background(), o))
	require.True(t, ok)
	assert.Same(t, o, got)
}

// minimal specs for Parse. They are valid OpenAPI; each differs from the
// good one in a single point.
const specHeader = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://example.test"}]
components:
  securitySchemes:
    nxcloudSignature: {type: apiKey, in: header, name: sign}
    basicAuth: {type: http, scheme: basic}
`

const specGood = specHeader + `security: [{nxcloudSignature: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: unsafe
      x-nxcloud: {bizType: "6", action: a}
      responses: {"200": {description: ok}}
`

const specWithParams = specHeader + `security: [{basicAuth: []}]
paths:
  /v1/templates/{templateId}:
    get:
      operationId: getTemplate
      x-retry-class: safe
      parameters:
        - {name: templateId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
`

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string // "" = parses
	}{
		{"good", specGood, ""},
		{"path parameters", specWithParams, ""},
		{
			"unsigned operation without x-nxcloud",
			specHeader + `security: [{basicAuth: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: safe
      responses: {"200": {description: ok}}
`, "",
		},
		{
			"operation-level security overrides the document's",
			specHeader + `security: [{nxcloudSignature: []}]
paths:
  /a:
    post:
      operationId: a
      security: []
      x-retry-class: safe
      responses: {"200": {description: ok}}
`, "",
		},
		{
			"no x-retry-class",
			specHeader + `security: [{basicAuth: []}]
paths:
  /a:
    post:
      operationId: a
      responses: {"200": {description: ok}}
`, "x-retry-class",
		},
		{
			"unknown x-retry-class",
			specHeader + `security: [{basicAuth: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: sometimes
      responses: {"200": {description: ok}}
`, "x-retry-class",
		},
		{
			"signed without x-nxcloud",
			specHeader + `security: [{nxcloudSignature: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: unsafe
      responses: {"200": {description: ok}}
`, "x-nxcloud",
		},
		{
			"signed by operation-level security without x-nxcloud",
			specHeader + `paths:
  /a:
    post:
      operationId: a
      security: [{nxcloudSignature: []}]
      x-retry-class: unsafe
      responses: {"200": {description: ok}}
`, "x-nxcloud",
		},
		{
			"x-nxcloud without action",
			specHeader + `security: [{nxcloudSignature: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: unsafe
      x-nxcloud: {bizType: "6"}
      responses: {"200": {description: ok}}
`, "x-nxcloud",
		},
		{
			"numeric bizType",
			specHeader + `security: [{nxcloudSignature: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: unsafe
      x-nxcloud: {bizType: 6, action: a}
      responses: {"200": {description: ok}}
`, "x-nxcloud",
		},
		{
			"no operationId",
			specHeader + `security: [{basicAuth: []}]
paths:
  /a:
    post:
      x-retry-class: safe
      responses: {"200": {description: ok}}
`, "operationId",
		},
		{
			"invalid OpenAPI",
			`openapi: 3.0.3
info: {title: t}
paths: {}
`, "invalid OpenAPI",
		},
		{"not YAML", "{[", "test/spec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := specs.Parse("test/spec", []byte(tt.yaml))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), "test/spec", "the error names the spec")
				assert.Nil(t, d)
				return
			}
			require.NoError(t, err)
			require.NotEmpty(t, d.Operations)
			assert.Equal(t, "test/spec", d.Name)
		})
	}
}

func TestParseReadsSignedConstants(t *testing.T) {
	d, err := specs.Parse("test/good", []byte(specGood))
	require.NoError(t, err)
	o, ok := d.Operation("a")
	require.True(t, ok)
	assert.True(t, o.Signed())
	assert.Equal(t, "6", o.BizType)
	assert.Equal(t, "a", o.Action)
	assert.Equal(t, specs.Unsafe, o.Retry)
	assert.Equal(t, "https://example.test", d.ServerURL())
}

func TestOperationsAreSorted(t *testing.T) {
	d, err := specs.Parse("test/sorted", []byte(specHeader+`security: [{basicAuth: []}]
paths:
  /b:
    put: {operationId: bPut, x-retry-class: unsafe, responses: {"200": {description: ok}}}
    get: {operationId: bGet, x-retry-class: safe, responses: {"200": {description: ok}}}
  /a:
    post: {operationId: aPost, x-retry-class: unsafe, responses: {"200": {description: ok}}}
`))
	require.NoError(t, err)
	var ids []string
	for _, o := range d.Operations {
		ids = append(ids, o.ID)
	}
	assert.Equal(t, []string{"aPost", "bGet", "bPut"}, ids)
}

// A spec may have neither servers nor components.
func TestParseMinimalSpec(t *testing.T) {
	var d *specs.Document
	var err error
	require.NotPanics(t, func() {
		d, err = specs.Parse("test/minimal", []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get: {operationId: a, x-retry-class: safe, responses: {"200": {description: ok}}}
`))
	})
	require.NoError(t, err)
	require.Len(t, d.Operations, 1)
	// kin-openapi may add a default "/" server; either way it is not absolute.
	assert.False(t, strings.HasPrefix(d.ServerURL(), "http"), "got %q", d.ServerURL())
}

func TestErrorKind(t *testing.T) {
	tests := []struct {
		spec, op string
		code     int
		want     specs.ErrorKind
	}{
		{"nxcloud/ota", "init", 1003, specs.KindAuth},
		{"nxcloud/ota", "verify", 1005, specs.KindAuth},
		{"nxcloud/ota", "init", 2206, specs.KindTooFrequent},
		{"nxcloud/ota", "verify", 2205, ""},
		{"nxcloud/ota", "init", 0, ""},
		{"nxcloud/ota", "init", 424242, ""},
		{"nxcloud/wa-integrator", "checkCode", 1003, specs.KindAuth},
		{"nxcloud/wa-integrator", "checkCode", 9007, ""},
		{"engagelab/otp", "verify", 2001, specs.KindAuth},
		{"engagelab/otp", "verify", 3004, specs.KindTooFrequent},
		// declared on the operation, not on the catalogue
		{"engagelab/otp", "verify", 3003, specs.KindAlreadyVerified},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %d", tt.spec, tt.op, tt.code), func(t *testing.T) {
			o, ok := specs.MustLoad(tt.spec).Operation(tt.op)
			require.True(t, ok)
			assert.Equal(t, tt.want, o.ErrorKind(tt.code))
		})
	}
}

func TestOperationErrorKindsOverrideTheCatalogue(t *testing.T) {
	d, err := specs.Parse("test/kinds", []byte(specHeader+`  schemas:
    ErrorCode:
      type: integer
      enum: [1, 2]
      x-enum-varnames: [One, Two]
      x-error-kinds:
        auth: [1]
        too_frequent: [2]
security: [{basicAuth: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: unsafe
      x-error-kinds:
        already_verified: [2]
      responses: {"200": {description: ok}}
  /b:
    post:
      operationId: b
      x-retry-class: unsafe
      responses: {"200": {description: ok}}
`))
	require.NoError(t, err)
	a, _ := d.Operation("a")
	b, _ := d.Operation("b")
	assert.Equal(t, specs.KindAuth, a.ErrorKind(1))
	assert.Equal(t, specs.KindAlreadyVerified, a.ErrorKind(2))
	assert.Equal(t, specs.KindTooFrequent, b.ErrorKind(2), "another operation keeps the catalogue's kind")

	n, ok := d.Code("Two")
	assert.True(t, ok)
	assert.Equal(t, 2, n)
}

func TestParseRejectsBadErrorKinds(t *testing.T) {
	tests := []struct {
		name, kinds, wantErr string
	}{
		{"unknown kind", `{retry_later: [1]}`, "unknown kind"},
		{"not a map", `[1, 2]`, "must map kinds"},
		{"not a list", `{auth: 1}`, "list of codes"},
		{"not an integer", `{auth: ["x"]}`, "not an integer code"},
		{"fractional code", `{auth: [1.5]}`, "not an integer code"},
	}
	for _, tt := range tests {
		t.Run("operation/"+tt.name, func(t *testing.T) {
			_, err := specs.Parse("test/kinds", []byte(specHeader+`security: [{basicAuth: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: unsafe
      x-error-kinds: `+tt.kinds+`
      responses: {"200": {description: ok}}
`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "x-error-kinds")
		})
		t.Run("catalogue/"+tt.name, func(t *testing.T) {
			_, err := specs.Parse("test/kinds", []byte(specHeader+`  schemas:
    ResultCode:
      type: integer
      enum: [1]
      x-error-kinds: `+tt.kinds+`
security: [{basicAuth: []}]
paths:
  /a:
    post:
      operationId: a
      x-retry-class: unsafe
      responses: {"200": {description: ok}}
`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "ResultCode")
		})
	}
}

// Every code a spec classifies is one its catalogue documents.
func TestErrorKindCodesAreDocumented(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	for _, d := range docs {
		t.Run(d.Name, func(t *testing.T) {
			var catalogue *openapi3.SchemaRef
			for _, name := range []string{"ResultCode", "ErrorCode"} {
				if s := d.OpenAPI.Components.Schemas[name]; s != nil {
					catalogue = s
				}
			}
			require.NotNil(t, catalogue, "no ResultCode/ErrorCode schema")
			documented := map[int]bool{}
			for _, v := range catalogue.Value.Enum {
				f, ok := v.(float64)
				require.True(t, ok, "enum value %v", v)
				documented[int(f)] = true
			}
			exts := []map[string]any{catalogue.Value.Extensions}
			for _, o := range d.Operations {
				exts = append(exts, o.Spec.Extensions)
			}
			for _, ext := range exts {
				groups, _ := ext[specs.ExtErrorKinds].(map[string]any)
				for kind, codes := range groups {
					list, _ := codes.([]any)
					for _, c := range list {
						f, _ := c.(float64)
						assert.True(t, documented[int(f)], "%s: %s code %v is not in the catalogue", d.Name, kind, c)
					}
				}
			}
		})
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		spec, name string
		want       int
		wantOK     bool
	}{
		{"nxcloud/ota", "TooFrequent", 2206, true},
		{"nxcloud/ota", "Success", 0, true},
		{"nxcloud/wa-integrator", "RequestFailed", -1, true},
		{"nxcloud/wa-integrator", "NotIntegrator", 9007, true},
		{"engagelab/otp", "CodeExpiredOrVerified", 3003, true},
		{"nxcloud/ota", "NotIntegrator", 0, false},
		{"nxcloud/ota", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.name, func(t *testing.T) {
			got, ok := specs.MustLoad(tt.spec).Code(tt.name)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPathParams(t *testing.T) {
	d, err := specs.Parse("test/params", []byte(specWithParams))
	require.NoError(t, err)
	o, ok := d.Operation("getTemplate")
	require.True(t, ok)
	assert.Equal(t, map[string]string{"templateId": "abc"}, o.PathParams("/v1/templates/abc"))
	assert.Nil(t, o.PathParams("/v1/templates"))
	assert.Nil(t, o.PathParams("/v1/other/abc"))

	init, _ := specs.MustLoad("nxcloud/ota").Operation("init")
	assert.Equal(t, map[string]string{}, init.PathParams("/api/ota/init"))
}

// Match and PathParams take the escaped path, as sent: segments are split
// first and unescaped after, so an escaped "/" stays in its parameter.
func TestMatchEscapedSegments(t *testing.T) {
	d, err := specs.Parse("test/params", []byte(specWithParams))
	require.NoError(t, err)
	o, ok := d.Operation("getTemplate")
	require.True(t, ok)
	tests := []struct {
		name, path string
		want       string // the templateId; "" = no match
	}{
		{"plain", "/v1/templates/abc", "abc"},
		{"escaped slash", "/v1/templates/a%2Fb", "a/b"},
		{"lower-case escape", "/v1/templates/a%2fb", "a/b"},
		{"slash and space", "/v1/templates/a%2Fb%20c", "a/b c"},
		{"query and fragment characters", "/v1/templates/a%3Fb%23c", "a?b#c"},
		{"escaped percent", "/v1/templates/100%25", "100%"},
		{"plus is not a space in a path", "/v1/templates/a+b", "a+b"},
		{"unicode", "/v1/templates/%C3%BC", "ü"},
		{"escaped braces", "/v1/templates/%7BtemplateId%7D", "{templateId}"},
		{"escaped literal segment", "/v1/%74emplates/abc", "abc"},
		{"unescaped slash", "/v1/templates/a/b", ""},
		{"escaped slash in a literal segment", "/v1%2Ftemplates/abc", ""},
		{"invalid escape", "/v1/templates/%zz", ""},
		{"truncated escape", "/v1/templates/100%", ""},
		{"invalid escape in a literal segment", "/v1/templates%/abc", ""},
		{"empty parameter", "/v1/templates/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := d.Match(http.MethodGet, tt.path)
			params := o.PathParams(tt.path)
			if tt.want == "" {
				assert.False(t, ok)
				assert.Nil(t, got)
				assert.Nil(t, params)
				return
			}
			require.True(t, ok)
			assert.Same(t, o, got)
			assert.Equal(t, map[string]string{"templateId": tt.want}, params)
		})
	}
}

// Every embedded operation with path parameters matches its path with any
// value escaped into them, and PathParams gives the value back.
func TestPathParamsRoundTrip(t *testing.T) {
	docs, err := specs.All()
	require.NoError(t, err)
	values := []string{"abc", "a/b c", "../x", "100%", "?#&=+", "ü"}
	n := 0
	for _, d := range docs {
		for _, o := range d.Operations {
			if !strings.Contains(o.Path, "{") {
				continue
			}
			n++
			for _, v := range values {
				var names []string
				segs := strings.Split(o.Path, "/")
				for i, seg := range segs {
					if name, ok := strings.CutPrefix(seg, "{"); ok {
						names = append(names, strings.TrimSuffix(name, "}"))
						segs[i] = url.PathEscape(v)
					}
				}
				p := strings.Join(segs, "/")
				got, ok := d.Match(o.Method, p)
				require.True(t, ok, "%s: %s", o.FullName(), p)
				assert.Same(t, o, got, p)
				want := map[string]string{}
				for _, name := range names {
					want[name] = v
				}
				assert.Equal(t, want, o.PathParams(p), p)
			}
		}
	}
	assert.NotZero(t, n, "no embedded operation has a path parameter")
}

package drift

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/specs"
)

func fieldNames(fs []Field) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// A request's later tables: a sub-table is filed under the field its
// label names (by name, plural, or the word of its type), a table whose
// label names none adds fields to the top level, and a query table
// ("Params Parameters") is a request table.
func TestParseRequestSubTables(t *testing.T) {
	src := `# Send
- URL: ` + "`https://api2.nxcloud.com/api/x/send`" + `
- Method: POST

## Request Parameters
### Params Parameters:

| Parameter Name | Type | Required | Description |
| -- | -- | -- | -- |
| appkey | String | Yes | key |
| type | String | Yes | kind |
| components | array[component JsonObject] | No | parts |

1. Text Message Parameters:

| Parameter Name | Type | Required | Description |
| -- | -- | -- | -- |
| text | JsonObject | No | text |
| appkey | String | Yes | repeated: kept once |

- text object parameters:

| Parameter Name | Type | Required | Description |
| -- | -- | -- | -- |
| body | String | Yes | body |

- component object parameters:

| Parameter Name | Type | Required | Description |
| -- | -- | -- | -- |
| buttons | Array | No | buttons |

- button object parameters:

| Parameter Name | Type | Required | Description |
| -- | -- | -- | -- |
| url | String | No | address |

## Response Parameters

| Parameter Name | Type | Description |
| -- | -- | -- |
| code | int | code |
`
	p := ParsePage("x.md", []byte(src))
	require.Len(t, p.Endpoints, 1)
	assert.Equal(t, []string{"appkey", "type", "components", "text", "text.body", "components.buttons", "components.buttons.url"},
		fieldNames(p.Endpoints[0].Request))
	assert.Equal(t, []string{"code"}, fieldNames(p.Endpoints[0].Response))
}

// A callback page that documents two callbacks, each under a URL label
// naming no address, reads as two endpoints; a table without a Required
// column under a bold label is a sub-table of the field it names.
func TestParseCallbackPages(t *testing.T) {
	src := `# Callbacks
## Receipt
- URL: ` + "`dr_webhook`" + `
- Method: ` + "`POST`" + `

### Receipt Parameters
- Body parameters:

Parameter | Type | Description
-- | -- | --
status | String | status
info | struct | details

**info**

Parameter | Type | Description
-- | -- | --
reason | String | why

## Reply
- URL: ` + "`message_webhook`" + `
- Method: ` + "`POST`" + `

### Reply Parameters
- Body parameters:

Parameter | Type | Description
-- | -- | --
phone | String | number
`
	p := ParsePage("cb.md", []byte(src))
	require.Len(t, p.Endpoints, 2)
	assert.Equal(t, []string{"status", "info", "info.reason"}, fieldNames(p.Endpoints[0].Request))
	assert.Equal(t, "object", p.Endpoints[0].Request[1].Type)
	assert.Equal(t, []string{"phone"}, fieldNames(p.Endpoints[1].Request))
}

// A callback page with a parameter table drift reads no field from is a
// finding of its own, not a clean page.
func TestUnreadParameterTable(t *testing.T) {
	cat, err := ParseCatalogue([]byte(`pages:
  cb: {kind: callback, product: OTA, auth: unsigned, schema: "nxcloud/ota#CallbackEvent"}
`))
	require.NoError(t, err)
	src := "# Callback\n\n## Fields\n\n| Parameter | Type | Description |\n| -- | -- | -- |\n| status | String | status |\n"
	r, err := Check(Options{NXCloudFS: fstest.MapFS{"cb.md": {Data: []byte(src)}}, Catalogue: cat})
	require.NoError(t, err)
	var kinds []string
	for _, f := range r.Undeclared() {
		if f.Source == "cb" {
			kinds = append(kinds, f.Kind)
		}
	}
	assert.Contains(t, kinds, Unparsed)
}

// A declaration on a schema that no compared operation or callback
// reaches is reported: nothing could ever find it stale.
func TestUnreachedDeclaration(t *testing.T) {
	d, err := specs.Parse("nxcloud/orphan", []byte(`openapi: 3.0.3
info: {title: orphan, version: "1"}
paths: {}
components:
  schemas:
    Orphan:
      type: object
      properties:
        name:
          type: string
          x-doc-divergences:
            - {kind: type, doc: integer, reason: The page says integer.}
`))
	require.NoError(t, err)
	cat, err := ParseCatalogue([]byte("pages: {}\n"))
	require.NoError(t, err)
	r, err := Check(Options{NXCloudFS: fstest.MapFS{}, Catalogue: cat, Specs: []*specs.Document{d}})
	require.NoError(t, err)
	require.Len(t, r.Undeclared(), 1)
	assert.Equal(t, StaleDeclaration, r.Undeclared()[0].Kind)
	assert.Equal(t, "nxcloud/orphan#Orphan.name", r.Undeclared()[0].Operation)
}

// A callback page's result codes are compared with its spec's catalogue.
func TestCallbackCodes(t *testing.T) {
	cat, err := ParseCatalogue([]byte(`pages:
  cb: {kind: callback, product: OTA, auth: unsigned, schema: "nxcloud/ota#CallbackEvent"}
`))
	require.NoError(t, err)
	src := "# Callback\n\n**Error Codes**\n\n| code | msg |\n| -- | -- |\n| 987654 | new |\n"
	r, err := Check(Options{NXCloudFS: fstest.MapFS{"cb.md": {Data: []byte(src)}}, Catalogue: cat})
	require.NoError(t, err)
	var got []string
	for _, f := range r.Undeclared() {
		if f.Source == "cb" && f.Kind == CodeMissingInSpec {
			got = append(got, f.Field)
		}
	}
	assert.Equal(t, []string{"code 987654"}, got)
}

// A guide page that lists a spec's result codes (codes: in pages.yaml)
// is compared with that spec's catalogue.
func TestGuidePageCodes(t *testing.T) {
	cat, err := ParseCatalogue([]byte(`pages:
  errs: {kind: guide, product: OTA, codes: nxcloud/ota, excluded: "error codes"}
`))
	require.NoError(t, err)
	src := "| **Error Code** | **Error Message** |\n| -- | -- |\n| 987654 | new |\n"
	r, err := Check(Options{NXCloudFS: fstest.MapFS{"errs.md": {Data: []byte(src)}}, Catalogue: cat})
	require.NoError(t, err)
	var got []string
	for _, f := range r.Undeclared() {
		if f.Source == "errs" {
			got = append(got, f.Kind+" "+f.Field)
		}
	}
	assert.Equal(t, []string{CodeMissingInSpec + " code 987654"}, got)

	_, err = ParseCatalogue([]byte("pages:\n  x: {kind: endpoint, product: OTA, auth: signed, codes: nxcloud/ota}\n"))
	assert.Error(t, err)
}

package drift_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/drift"
)

// A header table whose rows give no value (PNS pages) leaves the signed
// constants to the request example's KEY/VALUE table, which holds them.
func TestSignedConstantsFromAKeyValueTable(t *testing.T) {
	page := []byte(`## Unbind
### Request URL
https://number.nxcloud.com/api/pns/

### Request Headers

| Parameter | Type   | Required | Description |
| --------- | ------ | -------- | ----------- |
| accessKey | string | Yes      | The key |
| action    | string | Yes      | Request method, example: unbindAXB |
| bizType   | string | Yes      | Business type, fixed as 5 |
| sign      | string | Yes      | Signature |

### Request example

| KEY       | VALUE         |
| --------- | ------------- |
| accessKey | sixgqophrnv4  |
| bizType   | 5             |
| action    | unbindAXB     |
| sign      | 0123          |
`)
	p := drift.ParsePage("pns-api-unbind", page)
	require.NotEmpty(t, p.Endpoints)
	assert.True(t, p.Endpoints[0].Signed)
	assert.Equal(t, "5", p.Endpoints[0].BizType)
	assert.Equal(t, "unbindAXB", p.Endpoints[0].Action)
}

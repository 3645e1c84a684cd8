package upload_test

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/upload"
)

func TestFileJSON(t *testing.T) {
	var f upload.File
	require.NoError(t, json.Unmarshal([]byte(`"the content"`), &f))
	b, err := io.ReadAll(f.Body)
	require.NoError(t, err)
	assert.Equal(t, "the content", string(b))
	assert.Equal(t, int64(11), f.Size)

	out, err := json.Marshal(upload.File{Name: "a.png", ContentType: "image/png", Body: f.Body, Size: 3})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"a.png","contentType":"image/png","size":3}`, string(out), "a File marshals as which file, never its content")

	var back upload.File
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, upload.File{Name: "a.png", ContentType: "image/png", Size: 3}, back, "no body: a call refuses it as missing")
	assert.Error(t, json.Unmarshal([]byte(`12`), &back))
}

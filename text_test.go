package verikit_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit"
)

func TestTextDecodesTextNumbersAndNull(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
		out      string // encoded again
	}{
		{`"20d6c660bd664c65bef20026564b0b79"`, "20d6c660bd664c65bef20026564b0b79", false, `"20d6c660bd664c65bef20026564b0b79"`},
		{`784522`, "784522", false, `784522`},
		{`0.005`, "0.005", false, `0.005`},
		{`"1"`, "1", false, `"1"`},
		{`""`, "", false, `""`},
		{`null`, "", false, `""`},
		{`{"a":1}`, "", true, ""},
		{`[1]`, "", true, ""},
		{`true`, "", true, ""},
	} {
		var v struct {
			F verikit.Text `json:"f"`
		}
		err := json.Unmarshal([]byte(`{"f":`+tc.in+`}`), &v)
		if tc.bad {
			require.Error(t, err, tc.in)
			assert.NotContains(t, err.Error(), tc.in, "the value is not echoed")
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, v.F.String(), tc.in)
		b, err := json.Marshal(v.F)
		require.NoError(t, err)
		assert.Equal(t, tc.out, string(b), "written as it came")
	}
	n, err := verikit.NewText("784522").Int64()
	require.NoError(t, err)
	assert.EqualValues(t, 784522, n)
}

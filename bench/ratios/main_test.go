package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
BenchmarkCall/impl=bare-2   	 1000	  100 ns/op	  10 B/op	  1 allocs/op
BenchmarkCall/impl=sdk-2    	 1000	  150 ns/op	  30 B/op	  3 allocs/op
BenchmarkCall/impl=bare-2   	 1000	  300 ns/op	  10 B/op	  1 allocs/op
BenchmarkCall/impl=sdk-2    	 1000	  170 ns/op	  30 B/op	  3 allocs/op
BenchmarkCall/impl=bare-2   	 1000	  110 ns/op	  10 B/op	  1 allocs/op
BenchmarkCall/impl=sdk-2    	 1000	  160 ns/op	  30 B/op	  3 allocs/op
BenchmarkOther-2            	 1000	  999 ns/op
BenchmarkMock/impl=off-2    	 1000	  100 ns/op	 2000 req/s
BenchmarkMock/impl=on-2     	 1000	  125 ns/op	 1600 req/s
PASS
`

func TestRatios(t *testing.T) {
	samples := map[string]map[string][]float64{}
	var order []string
	require.NoError(t, parse(strings.NewReader(sample), samples, &order))
	rows := ratios(samples, order)
	require.Len(t, rows, 2, "one row per non-floor impl; names without impl= are skipped")

	tests := []struct {
		row              row
		name, base       string
		ratio, allocs    float64
		extraUnit        string
		extraRatio       float64
		medianTimeOfName float64
	}{
		// Medians: bare 110, sdk 160 (the 300 outlier does not move it).
		{row: rows[0], name: "BenchmarkCall/impl=sdk", base: "BenchmarkCall/impl=bare", ratio: 160.0 / 110, allocs: 3, medianTimeOfName: 160},
		{row: rows[1], name: "BenchmarkMock/impl=on", base: "BenchmarkMock/impl=off", ratio: 1.25, extraUnit: "req/s", extraRatio: 0.8, medianTimeOfName: 125},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.name, tt.row.name)
			assert.Equal(t, tt.base, tt.row.base)
			assert.InDelta(t, tt.ratio, tt.row.ratio["ns/op"], 1e-9)
			assert.InDelta(t, tt.medianTimeOfName, tt.row.median["ns/op"], 1e-9)
			if tt.extraUnit != "" {
				assert.InDelta(t, tt.extraRatio, tt.row.ratio[tt.extraUnit], 1e-9)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	samples := map[string]map[string][]float64{}
	var order []string
	require.NoError(t, parse(strings.NewReader(sample), samples, &order))
	rows := ratios(samples, order)

	var tg targets
	require.NoError(t, tg.Set("BenchmarkCall/impl=*=1.10"))
	require.NoError(t, tg.Set("BenchmarkMock/impl=on=1.30"))
	var out bytes.Buffer
	missed := print(&out, rows, tg)
	assert.Equal(t, 1, missed)
	assert.Contains(t, out.String(), "<=1.10x MISSED")
	assert.Contains(t, out.String(), "<=1.30x met")

	// Another unit, and a rate that must be at least the limit.
	tg = nil
	require.NoError(t, tg.Set("BenchmarkCall/impl=sdk=3@allocs/op"))   // 3x: met
	require.NoError(t, tg.Set("BenchmarkCall/impl=sdk=2.5@allocs/op")) // 3x: missed
	require.NoError(t, tg.Set("BenchmarkMock/impl=on=>0.75@req/s"))    // 0.8x: met
	require.NoError(t, tg.Set("BenchmarkMock/impl=on=>1@req/s"))       // 0.8x: missed
	require.NoError(t, tg.Set("BenchmarkMock/impl=on=>1@nosuch/unit")) // no such measurement: missed
	out.Reset()
	missed = print(&out, rows, tg)
	assert.Equal(t, 3, missed, out.String())
	assert.Contains(t, out.String(), "<=3.00x allocs/op met")
	assert.Contains(t, out.String(), "<=2.50x allocs/op MISSED")
	assert.Contains(t, out.String(), ">=0.75x req/s met")
	assert.Contains(t, out.String(), ">=1.00x req/s MISSED")

	for _, bad := range []string{"nolimit", "x=abc", "x=-1", "[=1", "x=>", "x=>-2@req/s", "x=1@"} {
		assert.Error(t, (&targets{}).Set(bad), bad)
	}
}

func TestGroupOf(t *testing.T) {
	tests := []struct {
		name, group string
		ok          bool
	}{
		{"BenchmarkSign/alg=md5/size=0B/impl=hash", "BenchmarkSign/alg=md5/size=0B", true},
		{"BenchmarkCall/impl=sdk", "BenchmarkCall", true},
		{"BenchmarkCall/sdk", "", false},
	}
	for _, tt := range tests {
		g, ok := groupOf(tt.name)
		assert.Equal(t, tt.ok, ok, tt.name)
		assert.Equal(t, tt.group, g, tt.name)
	}
}

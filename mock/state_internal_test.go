package mock

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStateOfMakesOneStatePerFamily(t *testing.T) {
	type counter struct{ n int }
	s, err := New(Config{})
	require.NoError(t, err)
	made := 0
	newCounter := func() *counter { made++; return &counter{} }
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); stateOf(s, "a", newCounter) }()
	}
	wg.Wait()
	a := stateOf(s, "a", newCounter)
	a.n = 7
	assert.Equal(t, 7, stateOf(s, "a", newCounter).n)
	assert.NotSame(t, a, stateOf(s, "b", newCounter))
	assert.Equal(t, 2, made)
}

package mock

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPushable(t *testing.T) {
	for target, want := range map[string]bool{
		"http://127.0.0.1:8080/dr":              true,
		"http://localhost/dr":                   true,
		"https://callbacks.shop.io/nxcloud":     true,
		"https://example.com/nxcloud/sms-dr":    false, // the specs' examples
		"https://hooks.example.org/x":           false,
		"http://my.callback.url/test":           false, // the number-check page's
		"https://mock.invalid/x":                false,
		"ftp://127.0.0.1/x":                     false,
		"not a url":                             false,
		"https://example.com.evil.io/dr":        true,
		"https://nxcloud.example/receipts?id=1": false,
		"https://receiver.test/receipts":        false,
	} {
		assert.Equal(t, want, pushable(target), target)
	}
}

package apiclient

// Internal test file (package apiclient) so that it can reach retryAfter.

import (
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// FuzzRetryAfter: retryAfter never panics and never yields a negative
// wait, whatever the server sends; a value it does not understand yields
// (0, false); delay-seconds it can represent are taken exactly, and an
// HTTP date in the future is the time left until then.
//
// testdata/fuzz/FuzzRetryAfter/overflow_seconds is a regression input:
// "9223372037" seconds used to overflow time.Duration into a negative wait.
func FuzzRetryAfter(f *testing.F) {
	// RFC 9110 §10.2.3 examples, and the edges.
	for _, v := range []string{
		"120", "0", "", "-1", "+5", " 5", "1.5", "0x10",
		"Fri, 31 Dec 1999 23:59:59 GMT",
		"Wed, 21 Oct 2015 07:28:00 GMT",
		"Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994",
		"Tue, 14 Nov 2023 22:13:21 GMT", // 1 s after fuzzNow
		"Mon, 01 Jan 10000 00:00:00 GMT",
		"9223372036",           // the largest delay-seconds a Duration holds
		"99999999999999999999", // beyond int64
	} {
		f.Add(v)
	}
	fuzzNow := time.Unix(1_700_000_000, 0) // Tue, 14 Nov 2023 22:13:20 GMT
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := retryAfter(v, fuzzNow)
		if d < 0 {
			t.Fatalf("retryAfter(%q) = %v, negative", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("retryAfter(%q) = %v, false: want 0", v, d)
		}
		if v == "" && ok {
			t.Fatal("an empty Retry-After was taken")
		}
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 && int64(secs) <= math.MaxInt64/int64(time.Second) {
			if !ok || d != time.Duration(secs)*time.Second {
				t.Fatalf("retryAfter(%q) = %v, %v: want %d s", v, d, ok, secs)
			}
		}
		if ht, err := http.ParseTime(v); err == nil {
			if _, aerr := strconv.Atoi(v); aerr != nil {
				if want := max(ht.Sub(fuzzNow), 0); !ok || d != want {
					t.Fatalf("retryAfter(%q) = %v, %v: want %v", v, d, ok, want)
				}
			}
		}
	})
}

package webhook_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/webhook"
)

// FuzzParseOTACallback: ParseOTACallback never panics on any query
// string and body; it fails only with ErrMalformed or ErrTooLarge, and on
// success returns four non-empty, trimmed fields that survive being sent
// again as a query string.
func FuzzParseOTACallback(f *testing.F) {
	f.Add(docOTAQuery, "", "")
	f.Add("requestId=b308d94a73f94e6d84ae975c41f4b2a6&phone=6282167624806&status=SUCCESS&drTime=2021-02-26+10:01:15", "", "")
	f.Add("REQUESTID=r&Phone=p", "application/x-www-form-urlencoded", "status=UNKNOWN&DRTIME=2021-02-26+10:01:15")
	f.Add(docOTAQuery+"&status=FAILURE", "", "")
	f.Add("requestId=%zz;phone=1", "application/x-www-form-urlencoded; charset=utf-8", "drtime=%&status=")
	f.Add("", "multipart/form-data", docOTAQuery)

	f.Fuzz(func(t *testing.T, query, contentType, body string) {
		r := &http.Request{
			Method: http.MethodPost,
			URL:    &url.URL{Path: "/ota/callback", RawQuery: query},
			Header: http.Header{"Content-Type": {contentType}},
			Body:   io.NopCloser(strings.NewReader(body)),
		}
		ev, err := webhook.ParseOTACallback(r)
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformed) && !errors.Is(err, webhook.ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrTooLarge", err)
			}
			if ev != (ota.CallbackEvent{}) {
				t.Fatalf("failed but returned %+v", ev)
			}
			return
		}
		for name, v := range map[string]string{"requestId": ev.RequestID, "phone": ev.Phone, "status": string(ev.Status), "drTime": ev.DrTime} {
			if v == "" || strings.TrimSpace(v) != v {
				t.Fatalf("%s = %q: empty or untrimmed", name, v)
			}
		}
		again := url.Values{"requestId": {ev.RequestID}, "phone": {ev.Phone}, "status": {string(ev.Status)}, "drtime": {ev.DrTime}}
		back, err := webhook.ParseOTACallback(&http.Request{Method: http.MethodPost, URL: &url.URL{RawQuery: again.Encode()}})
		if err != nil {
			t.Fatalf("%+v sent again: %v", ev, err)
		}
		if back != ev {
			t.Fatalf("round trip: %+v became %+v", ev, back)
		}
	})
}

// FuzzEngageLabPayload: ParseEngageLabPayload never panics and fails only
// with ErrMalformed. On success there is one event per element of rows,
// each keeping its row as valid JSON, of a known kind only when that
// part decoded; a row never fails the batch.
func FuzzEngageLabPayload(f *testing.F) {
	f.Add(batch(rowStatus, rowNotification, rowResponse, rowSystem))
	f.Add(`{}`)
	f.Add(`{"total":0,"rows":[]}`)
	f.Add(`{"total":1,"rows":[1,"a",null,[],{}]}`)
	f.Add(`{"rows":[{"status":"sent"},{"status":{"message_status":7}},{"itime":"x","notification":{"event":"new"}}]}`)
	f.Add(`{"event":"something_new"}`)
	f.Add(`{"rows":{}}`)
	f.Add(`[`)

	f.Fuzz(func(t *testing.T, body string) {
		evs, err := webhook.ParseEngageLabPayload([]byte(body))
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		var top struct {
			Rows []json.RawMessage `json:"rows"`
		}
		if json.Unmarshal([]byte(body), &top) == nil && top.Rows != nil && len(evs) != len(top.Rows) {
			t.Fatalf("%d rows gave %d events", len(top.Rows), len(evs))
		}
		for i, ev := range evs {
			if !json.Valid(ev.Raw) {
				t.Fatalf("event %d keeps invalid JSON %q", i, ev.Raw)
			}
			r := ev.Row
			switch ev.Kind {
			case webhook.KindStatus:
				ok(t, r.Status != nil, i, ev)
			case webhook.KindNotification:
				ok(t, r.Notification != nil, i, ev)
			case webhook.KindResponse:
				ok(t, r.Response != nil, i, ev)
			case webhook.KindSystemEvent:
				ok(t, r.SystemEvent != nil, i, ev)
			case webhook.KindUnknown:
				if ev.Known() {
					t.Fatalf("event %d is unknown but Known", i)
				}
			default:
				t.Fatalf("event %d has kind %q", i, ev.Kind)
			}
			if ev.DecodeErr != nil && ev.Known() {
				t.Fatalf("event %d did not decode but is Known", i)
			}
		}
	})
}

func ok(t *testing.T, cond bool, i int, ev webhook.EngageLabEvent) {
	t.Helper()
	if !cond {
		t.Fatalf("event %d of kind %s lacks its part: %s", i, ev.Kind, ev.Raw)
	}
}

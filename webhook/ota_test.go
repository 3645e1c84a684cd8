package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/gen/nxcloud/ota"
	"github.com/verikit/verikit/webhook"
)

// docOTAEvent is the callback of NXCloud's example.
var docOTAEvent = ota.CallbackEvent{
	RequestID: "b308d94a73f94e6d84ae975c41f4b2a6",
	Phone:     "6282167624806",
	Status:    ota.VerificationStatusSuccess,
	DrTime:    "2021-02-26 10:01:15",
}

// docOTAQuery is NXCloud's example query string, with the space escaped.
const docOTAQuery = "phone=6282167624806&requestId=b308d94a73f94e6d84ae975c41f4b2a6&drtime=2021-02-26%2010:01:15&status=SUCCESS"

func TestParseOTACallback(t *testing.T) {
	tests := []struct {
		name        string
		query       string
		contentType string
		body        string
		want        ota.CallbackEvent
		wantErr     error
		errHas      string
	}{
		{name: "the documented example (drtime)", query: docOTAQuery, want: docOTAEvent},
		{name: "the table's spelling (drTime), '+' for space", query: "requestId=b308d94a73f94e6d84ae975c41f4b2a6&phone=6282167624806&status=SUCCESS&drTime=2021-02-26+10:01:15", want: docOTAEvent},
		{name: "any case of the names", query: "REQUESTID=b308d94a73f94e6d84ae975c41f4b2a6&Phone=6282167624806&STATUS=SUCCESS&DrTime=2021-02-26+10:01:15", want: docOTAEvent},
		{name: "both spellings with one value", query: docOTAQuery + "&drTime=2021-02-26+10:01:15", want: docOTAEvent},
		{name: "surrounding spaces trimmed", query: "requestId=+b308d94a73f94e6d84ae975c41f4b2a6+&phone=6282167624806&status=SUCCESS&drtime=2021-02-26+10:01:15", want: docOTAEvent},
		{name: "extra parameters ignored", query: docOTAQuery + "&appkey=pem28kje", want: docOTAEvent},
		{
			name: "unknown status kept", query: strings.Replace(docOTAQuery, "SUCCESS", "EXPIRED", 1),
			want: ota.CallbackEvent{RequestID: docOTAEvent.RequestID, Phone: docOTAEvent.Phone, Status: "EXPIRED", DrTime: docOTAEvent.DrTime},
		},
		{
			name: "odd drTime layout kept", query: strings.Replace(docOTAQuery, "2021-02-26%2010:01:15", "1614304875", 1),
			want: ota.CallbackEvent{RequestID: docOTAEvent.RequestID, Phone: docOTAEvent.Phone, Status: "SUCCESS", DrTime: "1614304875"},
		},
		{name: "values in a form body", contentType: "application/x-www-form-urlencoded; charset=utf-8", body: docOTAQuery, want: docOTAEvent},
		{name: "split between query and form", query: "requestId=b308d94a73f94e6d84ae975c41f4b2a6&phone=6282167624806", contentType: "application/x-www-form-urlencoded", body: "status=SUCCESS&drtime=2021-02-26+10:01:15", want: docOTAEvent},
		{name: "a JSON body is not read", query: docOTAQuery, contentType: "application/json", body: `{"status":"FAILURE"}`, want: docOTAEvent},
		{name: "an undecodable unrelated pair is skipped", query: docOTAQuery + "&x=%zz", want: docOTAEvent},

		{name: "nothing", wantErr: webhook.ErrMalformed, errHas: "missing requestId, phone, status, drTime"},
		{name: "missing drTime", query: "requestId=r&phone=p&status=SUCCESS", wantErr: webhook.ErrMalformed, errHas: "missing drTime"},
		{name: "empty phone", query: "requestId=r&phone=&status=SUCCESS&drTime=2021-02-26+10:01:15", wantErr: webhook.ErrMalformed, errHas: "missing phone"},
		{name: "blank status", query: "requestId=r&phone=p&status=+&drTime=2021-02-26+10:01:15", wantErr: webhook.ErrMalformed, errHas: "missing status"},
		{name: "conflicting status", query: docOTAQuery + "&status=FAILURE", wantErr: webhook.ErrMalformed, errHas: "status is given twice"},
		{name: "conflicting spellings", query: docOTAQuery + "&drTime=2021-02-26+10:01:16", wantErr: webhook.ErrMalformed, errHas: "drTime is given twice"},
		{name: "query and form disagree", query: docOTAQuery, contentType: "application/x-www-form-urlencoded", body: "status=FAILURE", wantErr: webhook.ErrMalformed, errHas: "status is given twice"},
		{name: "bad escape in a required field", query: "requestId=r&phone=p&status=SUCCESS&drTime=%zz", wantErr: webhook.ErrMalformed, errHas: "undecodable parameters skipped"},
		{name: "form body too large", query: "", contentType: "application/x-www-form-urlencoded", body: "x=" + strings.Repeat("a", webhook.DefaultMaxBodyBytes), wantErr: webhook.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(http.MethodPost, "/ota/callback?"+tt.query, body)
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			got, err := webhook.ParseOTACallback(r)
			if tt.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Contains(t, err.Error(), tt.errHas)
				assert.Equal(t, ota.CallbackEvent{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// recorder collects what OnError is told.
type recorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *recorder) onError(_ *http.Request, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *recorder) all() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

func TestOTAHandler(t *testing.T) {
	failing := errors.New("database down")
	tests := []struct {
		name       string
		method     string
		query      string
		body       string
		handleErr  error
		nilHandle  bool
		maxBody    int64
		wantStatus int
		wantBody   string
		wantCalled bool
		wantErr    error
	}{
		{name: "accepted", method: http.MethodPost, query: docOTAQuery, wantStatus: 200, wantBody: "success", wantCalled: true},
		{name: "unknown status accepted", method: http.MethodPost, query: strings.Replace(docOTAQuery, "SUCCESS", "LATER", 1), wantStatus: 200, wantBody: "success", wantCalled: true},
		{name: "handler fails", method: http.MethodPost, query: docOTAQuery, handleErr: failing, wantStatus: 500, wantBody: "error", wantCalled: true, wantErr: failing},
		{name: "missing fields", method: http.MethodPost, query: "phone=1", wantStatus: 400, wantBody: "error", wantErr: webhook.ErrMalformed},
		{name: "GET refused", method: http.MethodGet, query: docOTAQuery, wantStatus: 405, wantBody: "error", wantErr: webhook.ErrMethod},
		{name: "form body over the bound", method: http.MethodPost, body: docOTAQuery, maxBody: 16, wantStatus: 413, wantBody: "error", wantErr: webhook.ErrTooLarge},
		{name: "no Handle", method: http.MethodPost, query: docOTAQuery, nilHandle: true, wantStatus: 500, wantBody: "error", wantErr: webhook.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []ota.CallbackEvent
			var rec recorder
			h := &webhook.OTA{
				Handle: func(_ context.Context, ev ota.CallbackEvent) error {
					got = append(got, ev)
					return tt.handleErr
				},
				MaxBodyBytes: tt.maxBody,
				OnError:      rec.onError,
			}
			if tt.nilHandle {
				h.Handle = nil
			}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(tt.method, "/ota/callback?"+tt.query, body)
			if tt.body != "" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)

			assert.Equal(t, tt.wantStatus, w.Code)
			assert.Equal(t, tt.wantBody, w.Body.String())
			assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
			assert.Equal(t, tt.wantCalled, len(got) == 1)
			if tt.wantStatus == 405 {
				assert.Equal(t, "POST", w.Header().Get("Allow"))
			}
			errs := rec.all()
			if tt.wantErr == nil {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], tt.wantErr)
		})
	}
}

func TestOTAHandlerPassesTheRequestContext(t *testing.T) {
	type key struct{}
	var got any
	h := webhook.OTAHandler(func(ctx context.Context, _ ota.CallbackEvent) error {
		got = ctx.Value(key{})
		return nil
	})
	r := httptest.NewRequest(http.MethodPost, "/?"+docOTAQuery, nil)
	r = r.WithContext(context.WithValue(r.Context(), key{}, "v"))
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, "v", got)
}

func TestParseDRTime(t *testing.T) {
	shanghai := time.FixedZone("UTC+8", 8*3600)
	tests := []struct {
		name    string
		in      string
		loc     *time.Location
		want    time.Time
		wantErr string
	}{
		{"documented example in UTC", "2021-02-26 10:01:15", time.UTC, time.Date(2021, 2, 26, 10, 1, 15, 0, time.UTC), ""},
		{"in UTC+8", "2021-02-26 10:01:15", shanghai, time.Date(2021, 2, 26, 2, 1, 15, 0, time.UTC), ""},
		{"no zone given", "2021-02-26 10:01:15", nil, time.Time{}, "needs a time zone"},
		{"ISO layout", "2021-02-26T10:01:15", time.UTC, time.Time{}, "not yyyy-MM-dd HH:mm:ss"},
		{"empty", "", time.UTC, time.Time{}, "not yyyy-MM-dd HH:mm:ss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := webhook.ParseDRTime(tt.in, tt.loc)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got), "got %v", got)
		})
	}
}

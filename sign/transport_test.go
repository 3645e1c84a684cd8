package sign_test

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/verikit/verikit/sign"
)

const (
	testAK     = "fme2na3kdi3ki"
	testSecret = "s3cr3t-abciiiko2k3-DO-NOT-LEAK"
)

// fakeClock starts at a fixed instant and moves forward by step on every
// reading, so consecutive RoundTrips observe different times.
type fakeClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func newFakeClock(step time.Duration) *fakeClock {
	return &fakeClock{now: time.UnixMilli(1655710885431), step: step}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.step)
	return t
}

func fixedOp(bizType, action string) func(*http.Request) (string, string, error) {
	return func(*http.Request) (string, string, error) { return bizType, action, nil }
}

// serverSign recomputes an NXCloud signature on the receiving side from the
// headers and the raw body bytes, without using package sign.
func serverSign(get func(string) string, body []byte, secret string) string {
	s := fmt.Sprintf("accessKey=%s&action=%s&bizType=%s&ts=%s",
		get("accessKey"), get("action"), get("bizType"), get("ts"))
	if len(body) > 0 {
		s += "&body=" + string(body)
	}
	s += "&accessSecret=" + secret
	if strings.EqualFold(get("algorithm"), "sha256") {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// received is what the test server saw for one request.
type received struct {
	header     http.Header
	body       []byte
	recomputed string
}

// recordingServer is an httptest.Server that verifies every request it
// gets and records it.
type recordingServer struct {
	*httptest.Server
	count atomic.Int32
	mu    sync.Mutex
	got   []received
}

func newRecordingServer(t *testing.T, secret string) *recordingServer {
	t.Helper()
	rs := &recordingServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.count.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		forSig := body
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			forSig = nil
		}
		rec := received{
			header:     r.Header.Clone(),
			body:       body,
			recomputed: serverSign(r.Header.Get, forSig, secret),
		}
		rs.mu.Lock()
		rs.got = append(rs.got, rec)
		rs.mu.Unlock()
		if rec.recomputed != r.Header.Get("sign") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *recordingServer) last(t *testing.T) received {
	t.Helper()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	require.NotEmpty(t, rs.got, "server received nothing")
	return rs.got[len(rs.got)-1]
}

type bodyKind int

const (
	bodyWithGetBody bodyKind = iota // http.NewRequest with *bytes.Reader
	bodyPlainReader                 // Body set directly, no GetBody
	bodyNil                         // no body at all
)

func newRequest(t *testing.T, url string, kind bodyKind, body string) *http.Request {
	t.Helper()
	switch kind {
	case bodyWithGetBody:
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		return req
	case bodyPlainReader:
		req, err := http.NewRequest(http.MethodPost, url, nil)
		require.NoError(t, err)
		req.Body = io.NopCloser(strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		require.Nil(t, req.GetBody)
		return req
	default:
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		return req
	}
}

func TestNXCloudTransportEndToEnd(t *testing.T) {
	tests := []struct {
		name string
		alg  sign.Algorithm
		kind bodyKind
		body string
	}{
		{"md5/GetBody", sign.MD5, bodyWithGetBody, `{"name":"牛小信","id":10001}`},
		{"md5/GetBody spaced", sign.MD5, bodyWithGetBody, `{"id": 10001, "name": "牛小信"}`},
		{"md5/no GetBody", sign.MD5, bodyPlainReader, `{"id":10001,"name":"牛小信"}`},
		{"md5/no GetBody empty object", sign.MD5, bodyPlainReader, `{}`},
		{"md5/no GetBody empty reader", sign.MD5, bodyPlainReader, ``},
		{"md5/GetBody empty object", sign.MD5, bodyWithGetBody, `{}`},
		{"md5/GetBody empty", sign.MD5, bodyWithGetBody, ``},
		{"md5/no body", sign.MD5, bodyNil, ``},
		{"default alg/GetBody", "", bodyWithGetBody, `{"a":1}`},
		{"sha256/GetBody", sign.SHA256, bodyWithGetBody, `{"name":"牛小信","id":10001}`},
		{"sha256/no GetBody", sign.SHA256, bodyPlainReader, "{\n  \"id\": 10001\n}\n"},
		{"sha256/no body", sign.SHA256, bodyNil, ``},
		{"md5/large body", sign.MD5, bodyPlainReader, `{"x":"` + strings.Repeat("é", 100_000) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecordingServer(t, testSecret)
			clock := newFakeClock(time.Second)
			tr := &sign.NXCloudTransport{
				Base:         srv.Client().Transport,
				AccessKey:    testAK,
				AccessSecret: testSecret,
				Algorithm:    tt.alg,
				Operation:    fixedOp("3", "send"),
				Now:          clock.Now,
			}
			req := newRequest(t, srv.URL+"/v1/sms", tt.kind, tt.body)
			callerHeader := req.Header.Clone()

			resp, err := (&http.Client{Transport: tr}).Do(req)
			require.NoError(t, err)
			resp.Body.Close()

			assert.Equal(t, http.StatusNoContent, resp.StatusCode, "server-side verification")
			assert.EqualValues(t, 1, srv.count.Load())
			got := srv.last(t)
			assert.Equal(t, tt.body, string(got.body), "body delivered intact")
			assert.Equal(t, got.recomputed, got.header.Get("sign"))
			assert.Equal(t, testAK, got.header.Get("accessKey"))
			assert.Equal(t, "1655710885431", got.header.Get("ts"))
			assert.Equal(t, "3", got.header.Get("bizType"))
			assert.Equal(t, "send", got.header.Get("action"))
			assert.Len(t, got.header.Values("sign"), 1)

			// The oracle in nxcloud_test.go agrees as well.
			p := sign.Params{AccessKey: testAK, TS: "1655710885431", BizType: "3", Action: "send"}
			algName := "md5"
			if tt.alg == sign.SHA256 {
				algName = "sha256"
				assert.Equal(t, []string{"sha256"}, got.header.Values("algorithm"))
			} else {
				assert.Empty(t, got.header.Values("algorithm"), "md5 must not send an algorithm header")
			}
			assert.Equal(t, refDigest(algName, p, []byte(tt.body), testSecret), got.header.Get("sign"))

			// The caller's request is untouched.
			assert.Equal(t, callerHeader, req.Header)
			for _, name := range []string{"sign", "accessKey", "ts", "bizType", "action", "algorithm"} {
				assert.Empty(t, sign.HeaderValue(req.Header, name), "caller header %s", name)
			}
		})
	}
}

func TestNXCloudTransportFreshTimestamp(t *testing.T) {
	srv := newRecordingServer(t, testSecret)
	clock := newFakeClock(1500 * time.Millisecond)
	tr := &sign.NXCloudTransport{
		Base:         srv.Client().Transport,
		AccessKey:    testAK,
		AccessSecret: testSecret,
		Operation:    fixedOp("3", "send"),
		Now:          clock.Now,
	}
	var ts, sigs []string
	req := newRequest(t, srv.URL, bodyWithGetBody, `{"id":1}`)
	for i := 0; i < 2; i++ {
		// The same request is sent twice (as a retry layer would do), with
		// its body rewound through GetBody.
		if i > 0 {
			b, err := req.GetBody()
			require.NoError(t, err)
			req.Body = b
		}
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		got := srv.last(t)
		ts = append(ts, got.header.Get("ts"))
		sigs = append(sigs, got.header.Get("sign"))
	}
	require.Len(t, ts, 2)
	assert.Equal(t, "1655710885431", ts[0])
	assert.Equal(t, "1655710886931", ts[1])
	assert.NotEqual(t, sigs[0], sigs[1])
	assert.Empty(t, sign.HeaderValue(req.Header, "sign"))
}

func TestNXCloudTransportRealClockDefault(t *testing.T) {
	srv := newRecordingServer(t, testSecret)
	tr := &sign.NXCloudTransport{ // Base and Now left nil on purpose
		AccessKey:    testAK,
		AccessSecret: testSecret,
		Operation:    fixedOp("1", "check"),
	}
	before := time.Now().UnixMilli()
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	after := time.Now().UnixMilli()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)

	ts, err := strconv.ParseInt(srv.last(t).header.Get("ts"), 10, 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, ts, before)
	assert.LessOrEqual(t, ts, after)
	assert.Len(t, srv.last(t).header.Get("ts"), 13)
}

func TestNXCloudTransportOperationSeesRequest(t *testing.T) {
	srv := newRecordingServer(t, testSecret)
	tr := &sign.NXCloudTransport{
		Base:         srv.Client().Transport,
		AccessKey:    testAK,
		AccessSecret: testSecret,
		Operation: func(r *http.Request) (string, string, error) {
			switch r.URL.Path {
			case "/ota/send":
				return "6", "otaSend", nil
			case "/did/send":
				return "4", "send", nil
			}
			return "", "", fmt.Errorf("no operation for %s", r.URL.Path)
		},
		Now: newFakeClock(time.Millisecond).Now,
	}
	for path, want := range map[string][2]string{"/ota/send": {"6", "otaSend"}, "/did/send": {"4", "send"}} {
		resp, err := tr.RoundTrip(newRequest(t, srv.URL+path, bodyWithGetBody, `{}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		got := srv.last(t)
		assert.Equal(t, want[0], got.header.Get("bizType"), path)
		assert.Equal(t, want[1], got.header.Get("action"), path)
	}
}

func TestNXCloudTransportMultipartBodyNotSigned(t *testing.T) {
	srv := newRecordingServer(t, testSecret)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("phone", "8613800000000"))
	require.NoError(t, mw.Close())
	content := buf.String()

	for _, kind := range []bodyKind{bodyWithGetBody, bodyPlainReader} {
		req := newRequest(t, srv.URL, kind, content)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		tr := &sign.NXCloudTransport{
			Base:         srv.Client().Transport,
			AccessKey:    testAK,
			AccessSecret: testSecret,
			Operation:    fixedOp("2", "upload"),
			Now:          newFakeClock(time.Millisecond).Now,
		}
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNoContent, resp.StatusCode)
		got := srv.last(t)
		assert.Equal(t, content, string(got.body))
		p := sign.Params{AccessKey: testAK, TS: got.header.Get("ts"), BizType: "2", Action: "upload"}
		assert.Equal(t, refDigest("md5", p, nil, testSecret), got.header.Get("sign"))
	}
}

// closeTracker records whether the transport closed the request body.
type closeTracker struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeTracker) Close() error { c.closed.Store(true); return nil }

func TestNXCloudTransportErrors(t *testing.T) {
	srv := newRecordingServer(t, testSecret)
	opErr := errors.New("operation table has no entry")
	valid := func() sign.NXCloudTransport {
		return sign.NXCloudTransport{
			Base:         srv.Client().Transport,
			AccessKey:    testAK,
			AccessSecret: testSecret,
			Operation:    fixedOp("3", "send"),
			Now:          newFakeClock(time.Millisecond).Now,
		}
	}
	tests := []struct {
		name   string
		modify func(*sign.NXCloudTransport)
		is     error
	}{
		{"missing access key", func(tr *sign.NXCloudTransport) { tr.AccessKey = "" }, nil},
		{"missing access secret", func(tr *sign.NXCloudTransport) { tr.AccessSecret = "" }, nil},
		{"nil operation", func(tr *sign.NXCloudTransport) { tr.Operation = nil }, nil},
		{"operation fails", func(tr *sign.NXCloudTransport) {
			tr.Operation = func(*http.Request) (string, string, error) { return "", "", opErr }
		}, opErr},
		{"empty bizType", func(tr *sign.NXCloudTransport) { tr.Operation = fixedOp("", "send") }, nil},
		{"empty action", func(tr *sign.NXCloudTransport) { tr.Operation = fixedOp("3", "") }, nil},
		{"unknown algorithm", func(tr *sign.NXCloudTransport) { tr.Algorithm = "sha512" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := valid()
			tt.modify(&tr)
			for _, kind := range []bodyKind{bodyWithGetBody, bodyPlainReader} {
				req := newRequest(t, srv.URL, kind, `{"x":1}`)
				body := &closeTracker{Reader: req.Body}
				req.Body = body

				resp, err := tr.RoundTrip(req)
				require.Error(t, err)
				assert.Nil(t, resp)
				if tt.is != nil {
					assert.ErrorIs(t, err, tt.is)
				}
				msg := err.Error()
				assert.True(t, strings.HasPrefix(msg, "sign: "), msg)
				assert.NotContains(t, msg, testSecret)
				assert.True(t, body.closed.Load(), "request body must be closed on error")

				// Through an http.Client the error surfaces as well.
				_, err = (&http.Client{Transport: &tr}).Do(newRequest(t, srv.URL, kind, `{"x":1}`))
				require.Error(t, err)
				assert.NotContains(t, err.Error(), testSecret)
			}
			assert.EqualValues(t, 0, srv.count.Load(), "nothing may reach the server")
		})
	}
}

func TestNXCloudTransportGetBodyError(t *testing.T) {
	srv := newRecordingServer(t, testSecret)
	tr := &sign.NXCloudTransport{
		Base:         srv.Client().Transport,
		AccessKey:    testAK,
		AccessSecret: testSecret,
		Operation:    fixedOp("3", "send"),
	}
	req := newRequest(t, srv.URL, bodyWithGetBody, `{"x":1}`)
	body := &closeTracker{Reader: req.Body}
	req.Body = body
	req.GetBody = func() (io.ReadCloser, error) { return nil, errors.New("cannot rewind") }
	_, err := tr.RoundTrip(req)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot rewind")
	assert.NotContains(t, err.Error(), testSecret)
	assert.True(t, body.closed.Load())
	assert.EqualValues(t, 0, srv.count.Load())
}

// rawRequest is one HTTP/1.1 request exactly as it came off the socket.
type rawRequest struct {
	requestLine string
	fields      [][2]string // name and value, in wire spelling and order
	body        []byte
}

func (r rawRequest) namesFolding(name string) []string {
	var out []string
	for _, f := range r.fields {
		if strings.EqualFold(f[0], name) {
			out = append(out, f[0])
		}
	}
	return out
}

func (r rawRequest) value(name string) string {
	for _, f := range r.fields {
		if f[0] == name {
			return f[1]
		}
	}
	return ""
}

// startRawServer listens on a bare TCP socket, so nothing canonicalizes
// the header names before the test sees them.
func startRawServer(t *testing.T) (string, <-chan rawRequest) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ch := make(chan rawRequest, 8)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(conn)
				var rr rawRequest
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				rr.requestLine = strings.TrimRight(line, "\r\n")
				length := 0
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					line = strings.TrimRight(line, "\r\n")
					if line == "" {
						break
					}
					name, value, _ := strings.Cut(line, ":")
					value = strings.TrimSpace(value)
					rr.fields = append(rr.fields, [2]string{name, value})
					if strings.EqualFold(name, "Content-Length") {
						length, _ = strconv.Atoi(value)
					}
				}
				rr.body = make([]byte, length)
				if _, err := io.ReadFull(br, rr.body); err != nil {
					return
				}
				ch <- rr
				io.WriteString(conn, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
			}()
		}
	}()
	return "http://" + ln.Addr().String(), ch
}

func TestNXCloudTransportWireCasing(t *testing.T) {
	tests := []struct {
		name string
		alg  sign.Algorithm
		kind bodyKind
	}{
		{"md5 with GetBody", sign.MD5, bodyWithGetBody},
		{"md5 without GetBody", sign.MD5, bodyPlainReader},
		{"sha256 with GetBody", sign.SHA256, bodyWithGetBody},
		{"sha256 without GetBody", sign.SHA256, bodyPlainReader},
	}
	const body = `{"name":"牛小信","id":10001}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, reqs := startRawServer(t)
			base := &http.Transport{DisableKeepAlives: true}
			t.Cleanup(base.CloseIdleConnections)
			tr := &sign.NXCloudTransport{
				Base:         base,
				AccessKey:    testAK,
				AccessSecret: testSecret,
				Algorithm:    tt.alg,
				Operation:    fixedOp("1", "send"),
				Now:          newFakeClock(time.Millisecond).Now,
			}
			req := newRequest(t, url+"/api/send", tt.kind, body)
			// Stale values in canonical or odd spellings must be replaced,
			// not duplicated.
			req.Header.Set("Sign", "stale")
			req.Header.Set("Accesskey", "someone-else")
			req.Header["ALGORITHM"] = []string{"md5"}

			resp, err := tr.RoundTrip(req)
			require.NoError(t, err)
			resp.Body.Close()

			var rr rawRequest
			select {
			case rr = <-reqs:
			case <-time.After(10 * time.Second):
				t.Fatal("raw server received nothing")
			}
			assert.Equal(t, "POST /api/send HTTP/1.1", rr.requestLine)
			assert.Equal(t, body, string(rr.body))

			for _, name := range []string{"accessKey", "ts", "bizType", "action", "sign"} {
				assert.Equal(t, []string{name}, rr.namesFolding(name), "wire spelling of %s", name)
			}
			assert.Equal(t, testAK, rr.value("accessKey"))
			assert.Equal(t, "1655710885431", rr.value("ts"))
			assert.Equal(t, "1", rr.value("bizType"))
			assert.Equal(t, "send", rr.value("action"))
			if tt.alg == sign.SHA256 {
				assert.Equal(t, []string{"algorithm"}, rr.namesFolding("algorithm"))
				assert.Equal(t, "sha256", rr.value("algorithm"))
			} else {
				assert.Empty(t, rr.namesFolding("algorithm"))
			}
			assert.Equal(t, serverSign(rr.value, rr.body, testSecret), rr.value("sign"),
				"signature recomputed from the raw bytes")

			// The caller's stale values are still on the caller's request.
			assert.Equal(t, "stale", req.Header.Get("Sign"))
			assert.Equal(t, []string{"md5"}, req.Header["ALGORITHM"])
		})
	}
}

func TestHeaderValue(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		key  string
		want string
	}{
		{"exact spelling", http.Header{"accessKey": {"exact"}}, "accessKey", "exact"},
		{"canonical spelling", http.Header{"Accesskey": {"canon"}}, "accessKey", "canon"},
		{"lower-cased", http.Header{"accesskey": {"lower"}}, "accessKey", "lower"},
		{"upper-cased", http.Header{"BIZTYPE": {"4"}}, "bizType", "4"},
		{"exact wins over canonical", http.Header{"accessKey": {"exact"}, "Accesskey": {"canon"}}, "accessKey", "exact"},
		{"missing", http.Header{"ts": {"1"}}, "sign", ""},
		{"nil header", nil, "sign", ""},
		{"empty value list", http.Header{"sign": {}}, "sign", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, sign.HeaderValue(tt.h, tt.key))
		})
	}
}

func TestVerifyCallbackFromHeaders(t *testing.T) {
	// A DID callback as it might arrive: lower-case names, bizType 4.
	body := []byte(`{"messageId":"m1","status":"DELIVRD"}`)
	p := sign.Params{AccessKey: testAK, TS: "1700000000000", BizType: "4", Action: "dr"}
	sig, err := sign.Sign(sign.MD5, p, body, testSecret)
	require.NoError(t, err)
	h := http.Header{
		"accesskey": {p.AccessKey}, "ts": {p.TS}, "biztype": {p.BizType}, "action": {p.Action}, "sign": {strings.ToUpper(sig)},
	}
	got := sign.Params{
		AccessKey: sign.HeaderValue(h, sign.HeaderAccessKey),
		TS:        sign.HeaderValue(h, sign.HeaderTS),
		BizType:   sign.HeaderValue(h, sign.HeaderBizType),
		Action:    sign.HeaderValue(h, sign.HeaderAction),
	}
	assert.Equal(t, p, got)
	assert.True(t, sign.Verify(sign.MD5, got, body, testSecret, sign.HeaderValue(h, sign.HeaderSign)))
	assert.False(t, sign.Verify(sign.MD5, got, append(body, ' '), testSecret, sign.HeaderValue(h, sign.HeaderSign)))
}

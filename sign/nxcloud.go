package sign

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Algorithm selects the digest NXCloud uses for the request signature.
type Algorithm string

const (
	// MD5 is what NXCloud assumes when a request carries no algorithm
	// header, so the transport sends none for it.
	MD5 Algorithm = "md5"
	// SHA256 is announced to the server with the header "algorithm: sha256".
	SHA256 Algorithm = "sha256"
)

// ParseAlgorithm maps a configuration string to an [Algorithm]. The empty
// string and "md5" yield [MD5], "sha256" yields [SHA256]; the comparison
// ignores case and surrounding white space. Any other value is an error.
func ParseAlgorithm(s string) (Algorithm, error) {
	v := strings.TrimSpace(s)
	switch {
	case v == "", strings.EqualFold(v, string(MD5)):
		return MD5, nil
	case strings.EqualFold(v, string(SHA256)):
		return SHA256, nil
	}
	return "", fmt.Errorf("sign: unknown NXCloud signing algorithm %q (want %q or %q)", s, MD5, SHA256)
}

// normalize accepts the typed constants without any work and falls back to
// ParseAlgorithm for everything else ("" and other spellings).
func normalize(alg Algorithm) (Algorithm, error) {
	switch alg {
	case MD5, SHA256:
		return alg, nil
	}
	return ParseAlgorithm(string(alg))
}

// Header names, spelled the way NXCloud writes them. Go would canonicalize
// them (for example "accessKey" to "Accesskey") if they were set through
// [http.Header.Set]; the transport instead stores them verbatim so that an
// HTTP/1.1 request carries exactly these spellings. (HTTP/2 lower-cases all
// field names by definition.)
const (
	HeaderAccessKey = "accessKey"
	HeaderTS        = "ts"
	HeaderBizType   = "bizType"
	HeaderAction    = "action"
	HeaderSign      = "sign"
	HeaderAlgorithm = "algorithm"
)

// Params holds the header values that take part in the signature.
type Params struct {
	AccessKey string
	TS        string
	BizType   string
	Action    string
}

const (
	bodyMarker   = "&body="
	secretMarker = "&accessSecret="
)

// appendHeaders appends the sorted key=value list of the signed headers
// (accessKey, action, bizType, ts: ASCII order of the key names).
func appendHeaders(dst []byte, p Params) []byte {
	dst = append(dst, "accessKey="...)
	dst = append(dst, p.AccessKey...)
	dst = append(dst, "&action="...)
	dst = append(dst, p.Action...)
	dst = append(dst, "&bizType="...)
	dst = append(dst, p.BizType...)
	dst = append(dst, "&ts="...)
	dst = append(dst, p.TS...)
	return dst
}

func appendSecret(dst []byte, secret string) []byte {
	dst = append(dst, secretMarker...)
	return append(dst, secret...)
}

// StringToSign returns the exact text that is hashed: the sorted header
// list, then "&body=" and the body when the body is non-empty, then
// "&accessSecret=" and the secret. It exists for debugging; the result
// contains the secret, so do not log it in production.
func StringToSign(p Params, body []byte, secret string) string {
	var b []byte
	b = appendHeaders(b, p)
	if len(body) > 0 {
		b = append(b, bodyMarker...)
		b = append(b, body...)
	}
	b = appendSecret(b, secret)
	return string(b)
}

// maxDigest is the size of the largest supported digest (SHA-256).
const maxDigest = sha256.Size

// oneShotMax bounds the string-to-sign that is assembled whole in a stack
// buffer and hashed in one call. Below it, the signature costs what the
// hash of the finished string costs (the fair floor), plus a copy; above
// it, the body is streamed into the hash around its own bytes, because
// copying it would cost more than the extra hash calls.
const oneShotMax = 1024

// sum hashes a finished string-to-sign in one call.
func sum(alg Algorithm, s []byte) (out [maxDigest]byte, n int) {
	if alg == SHA256 {
		return sha256.Sum256(s), sha256.Size
	}
	d := md5.Sum(s)
	copy(out[:], d[:])
	return out, md5.Size
}

// fits reports whether the whole string-to-sign for a body of n bytes fits
// in a one-shot buffer.
func fits(p Params, n int, secret string) bool {
	return len("accessKey=&action=&bizType=&ts=")+len(p.AccessKey)+len(p.Action)+len(p.BizType)+len(p.TS)+
		len(bodyMarker)+n+len(secretMarker)+len(secret) <= oneShotMax
}

// digest hashes the string-to-sign for an in-memory body. A short one is
// assembled in a stack buffer and hashed in one call; a long one is never
// materialised: the header part and the trailer are fed to the hash around
// the caller's body slice.
//
// The hash objects are created and used inside each switch arm so that the
// compiler can see their concrete type; that keeps them, and the buffer, off
// the heap.
func digest(alg Algorithm, p Params, body []byte, secret string) (out [maxDigest]byte, n int, err error) {
	alg, err = normalize(alg)
	if err != nil {
		return out, 0, err
	}
	if fits(p, len(body), secret) {
		var buf [oneShotMax]byte
		s := appendHeaders(buf[:0], p)
		if len(body) > 0 {
			s = append(s, bodyMarker...)
			s = append(s, body...)
		}
		s = appendSecret(s, secret)
		out, n = sum(alg, s)
		return out, n, nil
	}
	var scratch [256]byte
	head := appendHeaders(scratch[:0], p)
	if len(body) > 0 {
		head = append(head, bodyMarker...)
	}
	switch alg {
	case SHA256:
		h := sha256.New()
		h.Write(head)
		h.Write(body)
		h.Write(appendSecret(scratch[:0], secret))
		n = len(h.Sum(out[:0]))
	default: // MD5
		h := md5.New()
		h.Write(head)
		h.Write(body)
		h.Write(appendSecret(scratch[:0], secret))
		n = len(h.Sum(out[:0]))
	}
	return out, n, nil
}

// hexString renders a digest as lower-case hex with a single allocation
// (the returned string).
func hexString(sum []byte) string {
	var out [2 * maxDigest]byte
	n := hex.Encode(out[:], sum)
	return string(out[:n])
}

// Sign computes the NXCloud signature (lower-case hex) of a request whose
// body is held in memory. An empty or nil body contributes nothing, not
// even the "&body=" separator. The only error is an unknown algorithm.
func Sign(alg Algorithm, p Params, body []byte, secret string) (string, error) {
	sum, n, err := digest(alg, p, body, secret)
	if err != nil {
		return "", err
	}
	return hexString(sum[:n]), nil
}

var bodyMarkerBytes = []byte(bodyMarker)

// lazyBody forwards body chunks to the hash, emitting the "&body="
// separator just before the first non-empty chunk. If the reader turns out
// to be empty, the separator is never written, as the rule requires.
type lazyBody struct {
	h       hash.Hash
	started bool
}

func (w *lazyBody) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !w.started {
		w.started = true
		w.h.Write(bodyMarkerBytes) // a []byte: io.WriteString would allocate
	}
	return w.h.Write(p)
}

// copyBufs supplies the copy buffer for readers that do not implement
// io.WriterTo. Readers that do (such as *bytes.Reader) never need one: they
// pass their own backing slice straight to the hash.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// streamState is what one SignFrom needs on the heap anyway (the hash and
// the writers handed to interfaces escape); pooling it leaves the result
// string as the only allocation per signature.
type streamState struct {
	md5, sha256 hash.Hash
	body        lazyBody
	scratch     [256]byte
	small       [oneShotMax]byte
	sum         [maxDigest]byte
}

var streamStates = sync.Pool{New: func() any {
	return &streamState{md5: md5.New(), sha256: sha256.New()}
}}

// sized is a reader that knows how many bytes it has left, as
// *bytes.Reader, *bytes.Buffer and *strings.Reader do.
type sized interface {
	io.Reader
	Len() int
}

// SignFrom is [Sign] for a body supplied as a stream. A short body whose
// reader knows its length is read into a buffer and signed in one hash
// call, as [Sign] does. Any other body is streamed into the hash; when the
// reader implements [io.WriterTo] (as *bytes.Reader, *bytes.Buffer and
// *strings.Reader do) the hash reads the reader's own bytes, so the body is
// never copied. A nil reader is an empty body.
func SignFrom(alg Algorithm, p Params, body io.Reader, secret string) (string, error) {
	alg, err := normalize(alg)
	if err != nil {
		return "", err
	}
	st := streamStates.Get().(*streamState)
	defer streamStates.Put(st)
	if r, ok := body.(sized); ok && fits(p, r.Len(), secret) {
		return st.signShort(alg, p, r, secret)
	}
	return st.signStream(alg, p, body, nil, secret)
}

// signShort assembles the whole string-to-sign in st.small and hashes it
// once. Should the reader hold more than its Len said, what was read so far
// goes to the streaming path ahead of the rest.
func (st *streamState) signShort(alg Algorithm, p Params, r sized, secret string) (string, error) {
	s := appendHeaders(st.small[:0], p)
	head := len(s)
	s = append(s, bodyMarker...)
	start := len(s)
	n := r.Len()
	m, err := io.ReadFull(r, s[start:start+n])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("sign: reading request body: %w", err)
	}
	read := s[start : start+m]
	if err == nil {
		var probe [1]byte
		if k, _ := r.Read(probe[:]); k > 0 {
			// Longer than announced: stream it, starting with what
			// was read.
			pre := append(read, probe[0])
			return st.signStream(alg, p, r, pre, secret)
		}
	}
	if m == 0 {
		s = s[:head]
	} else {
		s = s[:start+m]
	}
	s = appendSecret(s, secret)
	d, dn := sum(alg, s)
	out := hexString(d[:dn])
	clear(s[len(s)-len(secret):]) // the pooled buffer outlives this call
	return out, nil
}

// signStream hashes the headers, then pre (bytes already taken from the
// body, if any) and the rest of body, then the secret.
func (st *streamState) signStream(alg Algorithm, p Params, body io.Reader, pre []byte, secret string) (string, error) {
	h := st.md5
	if alg == SHA256 {
		h = st.sha256
	}
	h.Reset()
	h.Write(appendHeaders(st.scratch[:0], p))
	st.body = lazyBody{h: h}
	defer func() { st.body = lazyBody{} }() // drop the reference to the hash
	if len(pre) > 0 {
		st.body.Write(pre)
	}
	if body != nil {
		var err error
		if wt, ok := body.(io.WriterTo); ok {
			_, err = wt.WriteTo(&st.body)
		} else {
			bufp := copyBufs.Get().(*[]byte)
			_, err = io.CopyBuffer(&st.body, body, *bufp)
			copyBufs.Put(bufp)
		}
		if err != nil {
			h.Reset()
			return "", fmt.Errorf("sign: reading request body: %w", err)
		}
	}
	h.Write(appendSecret(st.scratch[:0], secret))
	out := hexString(h.Sum(st.sum[:0]))
	// The pooled hash holds the secret in its state; reset it before reuse
	// by anyone else in this process.
	h.Reset()
	return out, nil
}

// Verify reports whether signature is the correct NXCloud signature for the
// given parameters and body. It is meant for callbacks NXCloud delivers to
// us. The hex may be in either case; the comparison of the digests runs in
// constant time. Unknown algorithms and malformed hex yield false.
func Verify(alg Algorithm, p Params, body []byte, secret, signature string) bool {
	want, n, err := digest(alg, p, body, secret)
	if err != nil {
		return false
	}
	if len(signature) != 2*n {
		return false
	}
	var got [maxDigest]byte
	if _, err := hex.Decode(got[:n], []byte(signature)); err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(want[:n], got[:n]) == 1
}

// headerValue reads a header stored either under its exact (NXCloud)
// spelling or under Go's canonical form.
func headerValue(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return h.Get(name)
}

// HeaderValue returns the first value of the named header, looking it up
// under the exact spelling given, then the canonical MIME form, and finally
// by a case-insensitive scan of all keys. Use it when reading NXCloud
// headers from callbacks, whose names may arrive in any case.
func HeaderValue(h http.Header, name string) string {
	if v := headerValue(h, name); v != "" {
		return v
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, name) {
			return v[0]
		}
	}
	return ""
}

// setExact stores value under exactly name, after removing every key that
// differs from it only by case (which includes the canonical form), so the
// request ends up with a single, correctly spelled field.
func setExact(h http.Header, name string, value []string) {
	deleteAnyCase(h, name)
	h[name] = value
}

func deleteAnyCase(h http.Header, name string) {
	// EqualFold covers the canonical form too; h.Del would allocate it.
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
}

// NXCloudTransport is an [http.RoundTripper] that adds NXCloud's signing
// headers (accessKey, ts, bizType, action, sign and, for SHA-256,
// algorithm) to every request before handing it to Base.
//
// The signature covers the bytes actually sent. A request with GetBody set
// (the case for bodies built by [http.NewRequest] from a *bytes.Reader,
// *bytes.Buffer or *strings.Reader) is hashed from a fresh copy of that body
// without buffering it; any other body is read into memory once, hashed, and
// replayed. For multipart/form-data requests the body is left out of the
// signature, as NXCloud specifies, and is streamed untouched.
//
// A new timestamp, and hence a new signature, is produced on every call,
// so retries by an outer layer are signed afresh.
type NXCloudTransport struct {
	// Base performs the actual request; nil means http.DefaultTransport.
	Base http.RoundTripper

	AccessKey    string
	AccessSecret string

	// Algorithm is the digest to use; "" means MD5.
	Algorithm Algorithm

	// Operation reports the bizType and action of a request. The SDK
	// derives it from the OpenAPI description of the endpoint.
	Operation func(*http.Request) (bizType, action string, err error)

	// Now supplies the clock for the ts header (Unix milliseconds); nil
	// means time.Now. It is consulted on every RoundTrip.
	Now func() time.Time
}

var (
	errNoAccessKey    = errors.New("sign: NXCloudTransport.AccessKey is empty")
	errNoAccessSecret = errors.New("sign: NXCloudTransport.AccessSecret is empty")
	errNoOperation    = errors.New("sign: NXCloudTransport.Operation is nil")
)

// RoundTrip implements [http.RoundTripper]. The caller's request is never
// modified: headers are set on a clone. On any error detected here the
// request body is closed and nothing is sent.
func (t *NXCloudTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	out, err := t.signed(req)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}

// signed returns a signed clone of req. It may consume req.Body only in the
// path where the body is read into memory, and in that case it closes it.
func (t *NXCloudTransport) signed(req *http.Request) (*http.Request, error) {
	if t.AccessKey == "" {
		return nil, errNoAccessKey
	}
	if t.AccessSecret == "" {
		return nil, errNoAccessSecret
	}
	alg, err := normalize(t.Algorithm)
	if err != nil {
		return nil, err
	}
	if t.Operation == nil {
		return nil, errNoOperation
	}
	bizType, action, err := t.Operation(req)
	if err != nil {
		return nil, fmt.Errorf("sign: resolving NXCloud operation for %s %s: %w", req.Method, urlPath(req), err)
	}
	if bizType == "" || action == "" {
		return nil, fmt.Errorf("sign: NXCloud operation for %s %s has empty bizType or action", req.Method, urlPath(req))
	}

	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	p := Params{
		AccessKey: t.AccessKey,
		TS:        strconv.FormatInt(now().UnixMilli(), 10),
		BizType:   bizType,
		Action:    action,
	}

	out := withOwnHeader(req, 6)

	var sig string
	hasBody := req.Body != nil && req.Body != http.NoBody
	switch {
	case !hasBody || isMultipart(req.Header):
		sig, err = Sign(alg, p, nil, t.AccessSecret)
	case req.GetBody != nil:
		var rc io.ReadCloser
		rc, err = req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("sign: obtaining a copy of the request body: %w", err)
		}
		sig, err = SignFrom(alg, p, rc, t.AccessSecret)
		rc.Close()
	default:
		var data []byte
		data, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("sign: reading request body: %w", err)
		}
		setReplayableBody(out, data)
		sig, err = Sign(alg, p, data, t.AccessSecret)
	}
	if err != nil {
		return nil, err
	}

	// One backing array for the six values: one allocation, not six.
	vals := [...]string{p.AccessKey, p.TS, p.BizType, p.Action, sig, string(SHA256)}
	h := out.Header
	setExact(h, HeaderAccessKey, vals[0:1:1])
	setExact(h, HeaderTS, vals[1:2:2])
	setExact(h, HeaderBizType, vals[2:3:3])
	setExact(h, HeaderAction, vals[3:4:4])
	setExact(h, HeaderSign, vals[4:5:5])
	if alg == SHA256 {
		setExact(h, HeaderAlgorithm, vals[5:6:6])
	} else {
		deleteAnyCase(h, HeaderAlgorithm)
	}
	return out, nil
}

// withOwnHeader returns a shallow copy of req with a header map of its
// own, with room for extra more fields: the transport sets fields on it and
// never touches req's. The value slices are shared, which is safe because
// fields are only ever replaced, never appended to.
func withOwnHeader(req *http.Request, extra int) *http.Request {
	out := new(http.Request)
	*out = *req
	out.Header = make(http.Header, len(req.Header)+extra)
	for k, v := range req.Header {
		out.Header[k] = v
	}
	return out
}

// setReplayableBody gives r an in-memory body with a matching length and a
// GetBody, so the sent bytes equal the signed ones and redirects or HTTP/2
// retries can replay them.
func setReplayableBody(r *http.Request, data []byte) {
	r.ContentLength = int64(len(data))
	if len(data) == 0 {
		r.Body = http.NoBody
		r.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
}

func isMultipart(h http.Header) bool {
	ct := h.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "multipart/form-data"
}

func urlPath(r *http.Request) string {
	if r.URL == nil {
		return ""
	}
	return r.URL.Path
}

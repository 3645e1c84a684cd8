// Package sign holds hand-written authentication middleware for the
// providers whose credentials cannot be expressed as a plain bearer token:
// NXCloud's per-request signature and EngageLab's HTTP Basic credentials.
//
// Both are offered as [http.RoundTripper] implementations
// ([NXCloudTransport] and [BasicAuthTransport]) so that a caller wraps an
// [http.Client] once and never assembles these headers by hand. The
// lower-level helpers ([Sign], [SignFrom], [StringToSign], [Verify]) are
// exported for callback verification and debugging tools.
//
// The other direction, callbacks the vendors send to you, is checked by
// [CallbackVerifier] (NXCloud's signed callbacks: the same headers and
// signature as its API requests, with a timestamp window) and
// [VerifyCallbackID] (EngageLab's X-CALLBACK-ID HMAC). Their errors say
// which check failed ([ErrMissingHeader], [ErrStale], [ErrBadSignature],
// ...) and never contain a secret or an expected signature. The webhook
// package wraps both in HTTP handlers.
package sign

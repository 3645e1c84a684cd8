// Package sign holds hand-written authentication middleware for the
// providers whose credentials cannot be expressed as a plain bearer token:
// NXCloud's per-request signature and EngageLab's HTTP Basic credentials.
//
// Both are offered as [http.RoundTripper] implementations
// ([NXCloudTransport] and [BasicAuthTransport]) so that a caller wraps an
// [http.Client] once and never assembles these headers by hand. The
// lower-level helpers ([Sign], [SignFrom], [StringToSign], [Verify]) are
// exported for callback verification and debugging tools.
package sign

package verikit

// Ptr returns a pointer to v. Generated params use pointers only where the
// spec says absence and the zero value differ (a boolean with no documented
// default), so that false can be sent:
//
//	otp.TemplateDefaultConfig{ContainSecurity: verikit.Ptr(false)}
func Ptr[T any](v T) *T { return &v }

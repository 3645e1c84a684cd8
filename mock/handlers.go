package mock

// handlers are the stateful operations, by specs.Operation.FullName. Any
// other operation of the specs is answered with its success example.
var handlers = map[string]func(*Server, *call) reply{
	"nxcloud/ota init":                otaInit,
	"nxcloud/ota verify":              otaVerify,
	"nxcloud/wa-integrator checkCode": waCheckCode,
	"engagelab/otp verify":            otpVerify,
}

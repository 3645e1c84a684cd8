package apiclient

// Exported for the external tests (package apiclient_test), which may
// import the generated packages and the vendor clients that this package's
// own tests cannot.

// Judge is judge.
var Judge = judge

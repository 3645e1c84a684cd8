package specs_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/verikit/verikit/specs"
)

// FuzzValidateBody runs every operation of every embedded spec's
// ValidateBody over the same body: it never panics; the problems are
// sorted, non-empty sentences, the same on a second run; and a body that
// yields no problems is valid JSON, or empty for an operation whose body is
// not required. (For an operation with a body schema, that is; one without
// any accepts whatever it is given, which no embedded spec has today.)
//
// Seeds: the specs' request examples, and testdata/fuzz/FuzzValidateBody.
func FuzzValidateBody(f *testing.F) {
	for _, b := range []string{
		`{"appkey":"pem28kje","phone":"86158xxxx1795","userIp":"xxx.xxx.xxx.xxx"}`,
		`{"appkey":"pem28kje","requestId":"989d535f78338411f7de07c028ddee4b"}`,
		`{"phone_number":"185xxx99","code":"1541"}`,
		`{"message_id":"1725407449772531712","verify_code":"667090"}`,
		`{"appkey":"","phone":"86158xxxx1795"}`,
		`{"message_id":1725407449772531712,"verify_code":null}`,
		`{}`, `[]`, `null`, `"x"`, ``, ` `, `{"appkey":"a"`,
		`{"code":"1541","phone_number":"185xxx99","extra":{"nested":[1,2,{"deep":true}]}}`,
	} {
		f.Add([]byte(b))
	}

	docs, err := specs.All()
	if err != nil {
		f.Fatal(err)
	}
	var ops []*specs.Operation
	for _, d := range docs {
		ops = append(ops, d.Operations...)
	}
	if len(ops) == 0 {
		f.Fatal("no operations in the embedded specs")
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		for _, op := range ops {
			problems := op.ValidateBody(body)
			if !slices.IsSorted(problems) {
				t.Fatalf("%s: problems not sorted: %q", op.FullName(), problems)
			}
			for _, p := range problems {
				if p == "" {
					t.Fatalf("%s: an empty problem in %q", op.FullName(), problems)
				}
			}
			if again := op.ValidateBody(body); !slices.Equal(problems, again) {
				t.Fatalf("%s: ValidateBody is not deterministic: %q, then %q", op.FullName(), problems, again)
			}
			if len(problems) > 0 {
				continue
			}
			if len(body) == 0 {
				if op.BodyRequired() {
					t.Fatalf("%s: an empty body passed, but the body is required", op.FullName())
				}
				continue
			}
			if op.BodySchema() != nil && !json.Valid(body) {
				t.Fatalf("%s: body %q is not JSON, yet it passed", op.FullName(), body)
			}
		}
	})
}

package apiclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/verikit/verikit/specs"
)

// AppPair is one application's key pair (option.WithAppCredentials).
type AppPair struct{ Key, Secret string }

// encoded is a request's body and query as they go on the wire.
type encoded struct {
	body        []byte
	contentType string
	query       url.Values
	// stream, for an operation that sends files, is its body instead of
	// body; check is what its schema is checked against.
	stream streamed
	check  map[string]any
}

// encode turns the typed params into what the operation sends: a JSON or
// form body, or (for an operation without a body) the query; with the
// application's key pair added where the spec says the operation sends
// one.
func encode(op *specs.Operation, params any, creds map[string]AppPair, extra map[string]any) (encoded, error) {
	var pair *AppPair
	if c := op.AppCredentials; c != nil {
		p, ok := creds[c.Set]
		if !ok {
			return encoded{}, fmt.Errorf("%s sends the %q application's key pair, which this client was not given: use option.WithAppCredentials(%q, appkey, secret)", op.FullName(), c.Set, c.Set)
		}
		pair = &p
	}
	hasBody := op.Spec.RequestBody != nil
	if hasBody && op.BodyMediaType() == specs.MediaJSON && pair == nil && len(extra) == 0 {
		if params == nil {
			return encoded{}, nil
		}
		b, err := json.Marshal(params) // the common case: straight from the struct
		if err != nil {
			return encoded{}, fmt.Errorf("the params cannot be encoded as JSON: %w", err)
		}
		return encoded{body: b, contentType: specs.MediaJSON}, nil
	}
	fields, err := fieldsOf(params)
	if err != nil {
		return encoded{}, err
	}
	if pair != nil {
		fields[op.AppCredentials.Key] = pair.Key
		fields[op.AppCredentials.Secret] = pair.Secret
	}
	for k, v := range extra { // a token from another operation (x-token)
		fields[k] = v
	}
	switch {
	case !hasBody:
		if len(fields) == 0 {
			return encoded{}, nil
		}
		return encoded{query: formValues(fields)}, nil
	case op.BodyMediaType() == specs.MediaForm && len(op.FileFields()) > 0:
		fs, check, err := encodeFormFiles(op, params, fields)
		if err != nil {
			return encoded{}, err
		}
		return encoded{stream: fs, contentType: specs.MediaForm, check: check}, nil
	case op.BodyMediaType() == specs.MediaForm:
		return encoded{body: []byte(formValues(fields).Encode()), contentType: specs.MediaForm}, nil
	case op.BodyMediaType() == specs.MediaMultipart:
		mp, check, err := encodeMultipart(op, params, fields)
		if err != nil {
			return encoded{}, err
		}
		return encoded{stream: mp, contentType: mp.contentType(), check: check}, nil
	default:
		b, err := json.Marshal(fields)
		return encoded{body: b, contentType: specs.MediaJSON}, err
	}
}

// fieldsOf is the params as their JSON fields, numbers kept as written.
func fieldsOf(params any) (map[string]any, error) {
	fields := map[string]any{}
	if params == nil {
		return fields, nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("the params cannot be encoded as JSON: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("the params are not an object: %w", err)
	}
	if fields == nil { // params that encode to null: a nil map or pointer
		fields = map[string]any{}
	}
	return fields, nil
}

// formValues writes fields as form values: text as it is, numbers and
// booleans as JSON writes them, and anything nested as JSON text.
func formValues(fields map[string]any) url.Values {
	v := make(url.Values, len(fields))
	for k, x := range fields {
		switch x := x.(type) {
		case nil:
		case string:
			v.Set(k, x)
		case json.Number:
			v.Set(k, x.String())
		case bool:
			v.Set(k, strconv.FormatBool(x))
		default:
			b, _ := json.Marshal(x)
			v.Set(k, string(b))
		}
	}
	return v
}

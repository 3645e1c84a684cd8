package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/verikit/verikit/apierror"
	"github.com/verikit/verikit/specs"
)

// tokens are the tokens a Service's operations issue (x-token), one per
// issuing operation, shared by every call and goroutine.
type tokens struct {
	mu     sync.Mutex
	byFrom map[string]*cachedToken
}

// cachedToken is one issued token. Its own lock makes concurrent callers
// wait for one fetch rather than each fetch one.
type cachedToken struct {
	mu    sync.Mutex
	value string
	renew time.Time // when to fetch a new one, before it expires
}

func (t *tokens) of(from string) *cachedToken {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byFrom == nil {
		t.byFrom = map[string]*cachedToken{}
	}
	c, ok := t.byFrom[from]
	if !ok {
		c = &cachedToken{}
		t.byFrom[from] = c
	}
	return c
}

// renewMargin is how long before its expiry a token is replaced: a tenth
// of its lifetime, at most a minute, so that a call never carries one
// that runs out on the way.
func renewMargin(lifetime time.Duration) time.Duration {
	return min(lifetime/10, time.Minute)
}

// token returns the token op sends ("" for an operation without x-token):
// the cached one, unless it is due for renewal or is stale (the one an
// expired answer refused), else a new one from the issuing operation.
func (s *Service) token(ctx context.Context, op *specs.Operation, stale string) (string, error) {
	t := op.Token
	if t == nil {
		return "", nil
	}
	c := s.tokens.of(t.From)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.cfg.now()
	if c.value != "" && c.value != stale && now.Before(c.renew) {
		return c.value, nil
	}
	var res map[string]any
	if err := s.Call(ctx, t.From, nil, nil, &res, nil); err != nil {
		return "", fmt.Errorf("%s: obtaining a token with %s: %w", op.FullName(), t.From, err)
	}
	v, _ := res[t.Result].(string)
	if v == "" {
		return "", fmt.Errorf("%s: %s answered without a token in %s", op.FullName(), t.From, t.Result)
	}
	c.value, c.renew = v, now.Add(t.Lifetime-renewMargin(t.Lifetime))
	return v, nil
}

// dropToken forgets a token the server called expired, unless another
// call has replaced it already.
func (s *Service) dropToken(op *specs.Operation, value string) {
	c := s.tokens.of(op.Token.From)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value == value {
		c.value = ""
	}
}

// tokenExpired reports whether err is the answer the spec says means the
// token is no longer valid.
func tokenExpired(op *specs.Operation, err error) bool {
	var ae *apierror.Error
	return errors.As(err, &ae) && ae.HasCode && slices.Contains(op.Token.Expired, ae.Code)
}

// checkParams checks params against the operation's params schema alone,
// before anything (a token) is fetched for them.
func checkParams(op *specs.Operation, params any) error {
	if params == nil {
		return nil
	}
	b, err := json.Marshal(params)
	if err != nil {
		return &apierror.ValidationError{Operation: op.FullName(), Problems: []string{"the params cannot be encoded as JSON: " + err.Error()}}
	}
	if problems := op.ValidateParams(b); len(problems) > 0 {
		return &apierror.ValidationError{Operation: op.FullName(), Problems: problems}
	}
	return nil
}

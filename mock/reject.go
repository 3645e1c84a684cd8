package mock

import (
	"fmt"
	"net/http"
)

// Rejection is a failure a test asks the mock to answer with: one of the
// vendor's documented result codes, in the vendor's own shape.
type Rejection struct {
	// Code is the result code: one the operation's spec lists.
	Code int
	// Status is the HTTP status, for an operation whose failures are told
	// by the status (EngageLab's, 4xx or 5xx). An operation whose code
	// is in its body (NXCloud's) answers 200; leave Status 0.
	Status int
	// Message is the text beside the code; default the code's name.
	Message string
}

// RejectNext makes the next call of an operation ("nxcloud/sms send", as
// Operation.FullName), once it has passed authentication and validation,
// fail with r: the way to see how code handles a documented failure
// (too frequent, no balance, …) without the vendor. Several calls queue
// up, one answer each. It returns an error wrapping ErrConfig, and queues
// nothing, for an unknown operation or a code or status the spec would
// not answer it with.
func (s *Server) RejectNext(operation string, r Rejection) error {
	for _, d := range s.docs {
		for _, op := range d.Operations {
			if op.FullName() != operation {
				continue
			}
			if len(op.Success.Text) == 0 && !op.Success.WordCodes() { // a text or word answer has no number to check
				if _, ok := d.CodeName(r.Code); !ok {
					return fmt.Errorf("%w: %s lists no result code %d", ErrConfig, d.Name, r.Code)
				}
				if op.Success.CodeMatches(float64(r.Code)) || op.Success.CodeMatches(fmt.Sprint(r.Code)) {
					return fmt.Errorf("%w: %d is %s's success code", ErrConfig, r.Code, operation)
				}
			}
			switch {
			case op.Success.CodeField != "" || len(op.Success.Text) > 0: // the failure is in the body
				if r.Status != 0 && r.Status != http.StatusOK {
					return fmt.Errorf("%w: %s answers its failures with HTTP 200, not %d", ErrConfig, operation, r.Status)
				}
				r.Status = http.StatusOK
			case r.Status < 400 || r.Status > 599:
				return fmt.Errorf("%w: %s tells a failure by its HTTP status: give Status 4xx or 5xx", ErrConfig, operation)
			}
			if r.Message == "" {
				r.Message, _ = d.CodeName(r.Code)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.rejections == nil {
				s.rejections = map[string][]Rejection{}
			}
			s.rejections[operation] = append(s.rejections[operation], r)
			return nil
		}
	}
	return fmt.Errorf("%w: no operation %q", ErrConfig, operation)
}

// nextRejection takes the operation's next queued rejection.
func (s *Server) nextRejection(operation string) (*reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.rejections[operation]
	if len(q) == 0 {
		return nil, false
	}
	r := q[0]
	s.rejections[operation] = q[1:]
	return &reply{rej: &rejection{status: r.Status, code: r.Code, message: r.Message}}, true
}

package webhook

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/verikit/verikit/sign"
)

// ReplayStore remembers the callbacks a handler has accepted, so that the
// same signed callback is not accepted twice. It is what the handlers'
// Replay field takes; [MemoryReplayStore] is the in-process default, and a
// store shared by several processes (a database, Redis' SET NX PX) can
// implement it for a receiver that runs more than one.
//
// Implementations must be safe for concurrent use.
type ReplayStore interface {
	// Seen records key until the time until and reports whether key was
	// already recorded (and not yet expired). The check and the record
	// must be one atomic step, or two copies of a callback that arrive
	// together could both pass. An error makes the handler refuse the
	// callback with HTTP 500, so that the vendor delivers it again.
	Seen(ctx context.Context, key string, until time.Time) (seen bool, err error)
	// Forget removes key, so that a callback whose Handle function failed
	// is accepted when the vendor delivers it again.
	Forget(ctx context.Context, key string) error
}

// DefaultReplayEntries is how many callbacks a [MemoryReplayStore] made by
// [NewMemoryReplayStore] with max <= 0 remembers at most.
const DefaultReplayEntries = 100_000

// MemoryReplayStore is a [ReplayStore] in this process's memory: bounded
// in size and forgetting each key once its time is past. It is safe for
// concurrent use.
//
// When it holds Max unexpired keys, recording one more forgets the key
// that would have expired first, and a replay of that callback would then
// pass until its own window closes. Only correctly signed callbacks are
// recorded, so only the vendor's own volume fills it: size Max above the
// number of callbacks you receive within one verification window.
type MemoryReplayStore struct {
	// Max bounds the number of keys; zero or negative means
	// DefaultReplayEntries.
	Max int
	// Now is the clock keys expire by; nil means time.Now. Give it the
	// handler's clock when that is not the real one.
	Now func() time.Time

	mu    sync.Mutex
	until map[string]time.Time
	queue expiryQueue
}

// NewMemoryReplayStore returns a MemoryReplayStore that remembers at most
// max keys (DefaultReplayEntries when max <= 0).
func NewMemoryReplayStore(max int) *MemoryReplayStore {
	return &MemoryReplayStore{Max: max}
}

// Seen implements [ReplayStore].
func (s *MemoryReplayStore) Seen(_ context.Context, key string, until time.Time) (bool, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now()
	max := s.Max
	if max <= 0 {
		max = DefaultReplayEntries
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.until == nil {
		s.until = map[string]time.Time{}
	}
	s.expire(t)
	if u, ok := s.until[key]; ok && u.After(t) {
		return true, nil
	}
	for len(s.until) >= max {
		s.evictFirst()
	}
	s.until[key] = until
	heap.Push(&s.queue, expiryItem{key: key, until: until})
	// Forgotten and re-recorded keys leave stale items behind; rebuild
	// the queue from the map before it grows past twice the keys.
	if len(s.queue) > 2*max {
		s.rebuild()
	}
	return false, nil
}

// Forget implements [ReplayStore].
func (s *MemoryReplayStore) Forget(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.until, key)
	return nil
}

// Len reports how many keys the store holds, expired ones that were not
// dropped yet included.
func (s *MemoryReplayStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.until)
}

// expire drops every key whose time is not after now. s.mu is held.
func (s *MemoryReplayStore) expire(now time.Time) {
	for len(s.queue) > 0 && !s.queue[0].until.After(now) {
		it := heap.Pop(&s.queue).(expiryItem)
		if u, ok := s.until[it.key]; ok && u.Equal(it.until) {
			delete(s.until, it.key)
		}
	}
}

// evictFirst drops the key that expires first. s.mu is held.
func (s *MemoryReplayStore) evictFirst() {
	for len(s.queue) > 0 {
		it := heap.Pop(&s.queue).(expiryItem)
		if u, ok := s.until[it.key]; ok && u.Equal(it.until) {
			delete(s.until, it.key)
			return
		}
	}
	// The queue lost track of a key (cannot happen: every recorded key is
	// pushed); drop one at random rather than loop forever.
	for k := range s.until {
		delete(s.until, k)
		return
	}
}

func (s *MemoryReplayStore) rebuild() {
	s.queue = s.queue[:0]
	for k, u := range s.until {
		s.queue = append(s.queue, expiryItem{key: k, until: u})
	}
	heap.Init(&s.queue)
}

type expiryItem struct {
	key   string
	until time.Time
}

// expiryQueue is a min-heap of keys by expiry.
type expiryQueue []expiryItem

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].until.Before(q[j].until) }
func (q expiryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *expiryQueue) Push(x any)        { *q = append(*q, x.(expiryItem)) }
func (q *expiryQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// replayKey is a fixed-size key over the given parts, each length-prefixed
// so that moving a boundary between two parts gives another key.
func replayKey(kind string, parts ...[]byte) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range append([][]byte{[]byte(kind)}, parts...) {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return kind + ":" + hex.EncodeToString(h.Sum(nil))
}

// callbackIDKey keys an X-CALLBACK-ID by what its signature covers: the
// timestamp, nonce and username exactly as sent. The signature itself is
// left out, since its hex may be written in either case.
func callbackIDKey(id sign.CallbackID) string {
	return replayKey("engagelab", []byte(id.Timestamp), []byte(id.Nonce), []byte(id.Username))
}

// signedKey keys a signed NXCloud callback by what its signature covers:
// the accessKey, ts, bizType and action headers and the raw body. It does
// not depend on the algorithm or on the letter case of the signature.
func signedKey(p sign.Params, body []byte) string {
	return replayKey("nxcloud", []byte(p.AccessKey), []byte(p.TS), []byte(p.BizType), []byte(p.Action), body)
}

// signedUntil is when a signed NXCloud callback's ts leaves the window.
func signedUntil(p sign.Params, window time.Duration) (time.Time, error) {
	ms, err := strconv.ParseInt(p.TS, 10, 64)
	if err != nil { // Verify accepted it, so this cannot happen
		return time.Time{}, fmt.Errorf("%w: ts is not Unix milliseconds", ErrMalformed)
	}
	if window <= 0 {
		window = sign.DefaultCallbackWindow
	}
	return time.UnixMilli(ms).Add(window), nil
}

// checkReplay records key in store and refuses a key seen before. It
// returns a function that forgets the key again, for a Handle that failed.
func checkReplay(ctx context.Context, store ReplayStore, key string, until time.Time) (forget func() error, err error) {
	seen, err := store.Seen(ctx, key, until)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrReplayStore, err)
	case seen:
		return nil, ErrReplayed
	}
	// Forget even when the request's context ended: that may be why the
	// Handle function failed.
	return func() error { return store.Forget(context.WithoutCancel(ctx), key) }, nil
}

// handleOnce calls fn through call, and forgets the replay key when fn
// fails, so that the vendor's next delivery of the same callback is taken.
func handleOnce[T any](ctx context.Context, fn func(context.Context, T) error, v T, forget func() error) error {
	err := call(ctx, fn, v)
	if err != nil && forget != nil {
		if ferr := forget(); ferr != nil {
			err = errors.Join(err, fmt.Errorf("%w: forgetting the callback: %w", ErrReplayStore, ferr))
		}
	}
	return err
}

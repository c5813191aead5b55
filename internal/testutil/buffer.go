package testutil

import (
	"bytes"
	"sync"
)

// Buffer collects a child process's output safely from several goroutines,
// keeping the first Limit bytes (16 MiB when zero) and dropping the rest.
type Buffer struct {
	Limit int

	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.Limit
	if limit == 0 {
		limit = 16 << 20
	}
	if s.b.Len() > limit {
		return len(p), nil
	}
	return s.b.Write(p)
}

// String returns everything kept.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Tail returns the last n bytes kept.
func (s *Buffer) Tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.b.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

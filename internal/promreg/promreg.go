// Package promreg registers Prometheus collectors in Caddy's per-config
// metrics registry, where several instances of one module share series.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register adds c to reg and returns it, or returns the collector of the
// same description registered before (by another handler of the same
// module in the same config). A nil reg leaves c unregistered.
func Register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}

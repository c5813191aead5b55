package promreg

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterReturnsTheCollectorAlreadyRegistered(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	opts := prometheus.CounterOpts{Name: "x_total", Help: "x"}
	first := Register(reg, prometheus.NewCounter(opts))
	second := Register(reg, prometheus.NewCounter(opts))
	if first != second {
		t.Fatal("a second handler got its own, unregistered counter")
	}
	second.Inc()
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || mfs[0].GetMetric()[0].GetCounter().GetValue() != 1 {
		t.Fatalf("gathered %v, %v", mfs, err)
	}
	if c := prometheus.NewCounter(opts); Register(nil, c) != c {
		t.Fatal("nil registry must return the collector itself")
	}
}

package caddyfilex

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// block walks the subdirectives of `dir { … }` in input, calling each.
func block(t *testing.T, input string, each func(d *caddyfile.Dispenser) error) error {
	t.Helper()
	d := caddyfile.NewTestDispenser(input)
	d.Next()
	for d.NextBlock(0) {
		if err := each(d); err != nil {
			return err
		}
	}
	return nil
}

func TestOneArgWantsExactlyOneArgument(t *testing.T) {
	var got []string
	err := block(t, "dir {\n a x\n}", func(d *caddyfile.Dispenser) error {
		v, err := OneArg(d)
		got = append(got, v)
		return err
	})
	if err != nil || len(got) != 1 || got[0] != "x" {
		t.Fatalf("one argument: got %q, %v", got, err)
	}
	for _, in := range []string{"dir {\n a\n}", "dir {\n a x y\n}"} {
		err := block(t, in, func(d *caddyfile.Dispenser) error { _, err := OneArg(d); return err })
		if err == nil || !strings.Contains(err.Error(), "wrong argument count") || !strings.Contains(err.Error(), ":2") {
			t.Errorf("%q: got %v, want an argument-count error on line 2", in, err)
		}
	}
}

func TestFlagRefusesAnArgument(t *testing.T) {
	var on bool
	if err := block(t, "dir {\n f\n}", func(d *caddyfile.Dispenser) (err error) { on, err = Flag(d); return }); err != nil || !on {
		t.Fatalf("bare flag: %v, %v", on, err)
	}
	err := block(t, "dir {\n f yes\n}", func(d *caddyfile.Dispenser) error { _, err := Flag(d); return err })
	if err == nil || !strings.Contains(err.Error(), "wrong argument count") {
		t.Fatalf("flag with an argument: %v", err)
	}
}

func TestDurationParsesCaddySyntaxAndNamesTheOption(t *testing.T) {
	var got caddy.Duration
	if err := block(t, "dir {\n ttl 1d\n}", func(d *caddyfile.Dispenser) (err error) { got, err = Duration(d, "dir: ttl"); return }); err != nil {
		t.Fatal(err)
	}
	if time.Duration(got) != 24*time.Hour {
		t.Fatalf("1d = %v", time.Duration(got))
	}
	err := block(t, "dir {\n ttl soon\n}", func(d *caddyfile.Dispenser) error { _, err := Duration(d, "dir: ttl"); return err })
	if err == nil || !strings.Contains(err.Error(), `dir: ttl: invalid duration "soon"`) || !strings.Contains(err.Error(), ":2") {
		t.Fatalf("bad duration: %v", err)
	}
}

func TestBlockEachWalksEverySubdirectiveAndRefusesTheSecondOfAName(t *testing.T) {
	b := NewBlock("dir", "key")
	var names []string
	d := caddyfile.NewTestDispenser("dir {\n key a\n key b\n a 1\n b 2\n a 3\n c 4\n}")
	d.Next()
	err := b.Each(d, func(name string) error {
		names = append(names, name)
		d.RemainingArgs()
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "dir: a given more than once") || !strings.Contains(err.Error(), ":6") {
		t.Fatalf("got %v, want the second a refused at line 6", err)
	}
	if got := strings.Join(names, " "); got != "key key a b" {
		t.Errorf("each saw %q, want every name before the repeated one (key twice: repeatable)", got)
	}
}

func TestBlockUnknownNamesTheBlockAndTheLine(t *testing.T) {
	b := NewBlock("dir: sub")
	err := block(t, "dir {\n\n bogus 1\n}", func(d *caddyfile.Dispenser) error { return b.Unknown(d) })
	if err == nil || !strings.Contains(err.Error(), `dir: sub: unknown subdirective "bogus"`) || !strings.Contains(err.Error(), ":3") {
		t.Fatalf("got %v", err)
	}
}

func TestArgsWantsAtLeastOne(t *testing.T) {
	var got []string
	if err := block(t, "dir {\n a x y\n}", func(d *caddyfile.Dispenser) (err error) { got, err = Args(d); return }); err != nil || len(got) != 2 {
		t.Fatalf("two arguments: %q, %v", got, err)
	}
	err := block(t, "dir {\n a\n}", func(d *caddyfile.Dispenser) error { _, err := Args(d); return err })
	if err == nil || !strings.Contains(err.Error(), "wrong argument count") || !strings.Contains(err.Error(), ":2") {
		t.Fatalf("no argument: %v", err)
	}
}

func TestRuleAddsTheLineAndKeepsNil(t *testing.T) {
	rule := errors.New("dir: a must be b")
	var got, none error
	_ = block(t, "dir {\n\n a x\n}", func(d *caddyfile.Dispenser) error {
		got, none = Rule(d, rule), Rule(d, nil)
		return nil
	})
	if !errors.Is(got, rule) || !strings.Contains(got.Error(), "dir: a must be b, at Testfile:3") {
		t.Errorf("Rule: %v, want the rule's error wrapped with line 3", got)
	}
	if none != nil {
		t.Errorf("Rule(nil) = %v, want nil", none)
	}
}

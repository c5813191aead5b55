// Package caddyfilex holds the Caddyfile helpers every mediagate directive
// (secure_routes, edgeauth, hls_proxy, hls_player) parses with, so that the
// same mistake reads the same in every directive and carries its line. They
// check syntax only (argument counts, a subdirective given twice, a duration
// that does not parse); what a value means is checked by the modules'
// Provision/Validate, for the Caddyfile and JSON alike.
package caddyfilex

import (
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// OneArg reads exactly one argument of the current directive or subdirective.
func OneArg(d *caddyfile.Dispenser) (string, error) {
	if !d.NextArg() {
		return "", d.ArgErr()
	}
	v := d.Val()
	if d.NextArg() {
		return "", d.ArgErr()
	}
	return v, nil
}

// Args reads the arguments of a subdirective that takes one or more.
func Args(d *caddyfile.Dispenser) ([]string, error) {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return nil, d.ArgErr()
	}
	return args, nil
}

// Flag reads a subdirective that takes no argument: its presence is true.
func Flag(d *caddyfile.Dispenser) (bool, error) {
	if d.NextArg() {
		return false, d.ArgErr()
	}
	return true, nil
}

// Duration reads one argument as a Caddy duration (Go syntax or a number
// of days with d). what names it in the error, e.g. "hls_proxy: timeout".
func Duration(d *caddyfile.Dispenser, what string) (caddy.Duration, error) {
	v, err := OneArg(d)
	if err != nil {
		return 0, err
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil {
		return 0, d.Errf("%s: invalid duration %q", what, v)
	}
	return caddy.Duration(dur), nil
}

// Rule gives the error of a rule that Provision also applies (a value's
// meaning) the line of the current token; nil stays nil. The parser calls
// the module's one rule for a literal value only to say where it is.
func Rule(d *caddyfile.Dispenser, err error) error {
	if err == nil {
		return nil
	}
	return d.WrapErr(err)
}

// Block tracks the subdirectives of one block so that every directive
// refuses a repeated or unknown one in the same words: "<block>: <name>
// given more than once", "<block>: unknown subdirective "<name>"".
type Block struct {
	name       string
	repeatable map[string]bool
	seen       map[string]bool
}

// NewBlock tracks the subdirectives of the block called name (e.g.
// "edgeauth", "edgeauth: session_cookie"); the repeatable ones may appear
// any number of times.
func NewBlock(name string, repeatable ...string) *Block {
	b := &Block{name: name, repeatable: map[string]bool{}, seen: map[string]bool{}}
	for _, r := range repeatable {
		b.repeatable[r] = true
	}
	return b
}

// once is called with the dispenser on a subdirective's name; it fails the
// second time a non-repeatable name is seen.
func (b *Block) once(d *caddyfile.Dispenser) error {
	name := d.Val()
	if b.repeatable[name] {
		return nil
	}
	if b.seen[name] {
		return d.Errf("%s: %s given more than once", b.name, name)
	}
	b.seen[name] = true
	return nil
}

// Unknown is the error for a subdirective the block does not have.
func (b *Block) Unknown(d *caddyfile.Dispenser) error {
	return d.Errf("%s: unknown subdirective %q", b.name, d.Val())
}

// Each runs each for every subdirective of the block the dispenser is on
// (a directive's block or a nested one), after refusing a repeated one; it
// stops at the first error. each answers b.Unknown(d) for a name it does
// not know.
func (b *Block) Each(d *caddyfile.Dispenser, each func(name string) error) error {
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if err := b.once(d); err != nil {
			return err
		}
		if err := each(d.Val()); err != nil {
			return err
		}
	}
	return nil
}

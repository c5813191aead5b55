package perimeter

import (
	"errors"
	"fmt"
	"slices"
)

// DefaultMethods are the methods of an allow rule that names none.
var DefaultMethods = []string{"GET", "HEAD"}

// Rule allows a set of methods on the paths matching any of its patterns.
type Rule struct {
	Methods  []string
	Patterns []Pattern
}

// NewRule validates methods (upper-case tokens; none means DefaultMethods)
// and compiles patterns (at least one).
func NewRule(methods, patterns []string) (Rule, error) {
	if len(patterns) == 0 {
		return Rule{}, errors.New("allow rule needs at least one path pattern")
	}
	if len(methods) == 0 {
		methods = DefaultMethods
	}
	var r Rule
	for _, m := range methods {
		if !IsMethodToken(m) {
			return Rule{}, fmt.Errorf("invalid method %q: want an upper-case token such as GET", m)
		}
		if !slices.Contains(r.Methods, m) {
			r.Methods = append(r.Methods, m)
		}
	}
	for _, s := range patterns {
		p, err := CompilePattern(s)
		if err != nil {
			return Rule{}, err
		}
		r.Patterns = append(r.Patterns, p)
	}
	return r, nil
}

// IsMethodToken reports whether s looks like an HTTP method as written in an
// allow rule: 1 to 32 upper-case ASCII letters.
func IsMethodToken(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func (r Rule) matches(mp matchPath) bool {
	for _, p := range r.Patterns {
		if p.match(mp) {
			return true
		}
	}
	return false
}

// Routes is an allow list: a method+path pair passes when some rule lists
// the method and has a pattern matching the path. Everything else is denied.
type Routes struct {
	rules    []Rule
	needKept bool // some pattern keeps empty segments
}

// NewRoutes returns the allow list made of rules; at least one is required.
func NewRoutes(rules ...Rule) (*Routes, error) {
	if len(rules) == 0 {
		return nil, errors.New("at least one allow rule is required")
	}
	rt := &Routes{rules: slices.Clone(rules)}
	for _, r := range rules {
		for _, p := range r.Patterns {
			rt.needKept = rt.needKept || p.keepSlashes
		}
	}
	return rt, nil
}

// Allows reports whether method may be used on the decoded request path.
func (rt *Routes) Allows(method, reqPath string) bool {
	mp := newMatchPath(reqPath, rt.needKept)
	for _, r := range rt.rules {
		if slices.Contains(r.Methods, method) && r.matches(mp) {
			return true
		}
	}
	return false
}

// MethodsFor returns the methods allowed on the decoded request path, in the
// order the configuration first names them; nil when the path is not
// allowed at all.
func (rt *Routes) MethodsFor(reqPath string) []string {
	mp := newMatchPath(reqPath, rt.needKept)
	var out []string
	for _, r := range rt.rules {
		if !r.matches(mp) {
			continue
		}
		for _, m := range r.Methods {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

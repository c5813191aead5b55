package edgeauth

import (
	"reflect"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/logging"
	"go.uber.org/zap/zapcore"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func init() {
	caddy.RegisterModule(TokenFilter{})
}

// TokenFilter is a log field filter (caddy.logging.encoders.filter.edgeauth_tokens)
// that removes EdgeAuth tokens from a logged request URI or header values,
// whatever query parameter or header carries them. Caddy's access and error
// logs record the request as received, before edgeauth strips its token;
// this keeps tokens out of them:
//
//	log {
//	    format filter {
//	        request>uri edgeauth_tokens
//	        request>headers>Referer edgeauth_tokens
//	        request>headers>X-Edge-Token edgeauth_tokens
//	    }
//	}
type TokenFilter struct{}

// CaddyModule returns the Caddy module information.
func (TokenFilter) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.logging.encoders.filter.edgeauth_tokens",
		New: func() caddy.Module { return new(TokenFilter) },
	}
}

// UnmarshalCaddyfile sets up the filter from Caddyfile tokens. Syntax:
//
//	<field> edgeauth_tokens
func (f *TokenFilter) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // filter name
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

// Filter redacts tokens in a string field (a URI) or a string array field
// (header values).
func (TokenFilter) Filter(in zapcore.Field) zapcore.Field {
	if in.Type == zapcore.StringType {
		in.String = redact(in.String)
		return in
	}
	if v := reflect.ValueOf(in.Interface); v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String {
		out := make(stringArray, v.Len())
		for i := range out {
			out[i] = redact(v.Index(i).String())
		}
		in.Interface = out
	}
	return in
}

// redact removes tokens from a URI or a bare header value.
func redact(s string) string {
	if edgetoken.LooksLikeToken(s) && !containsQuery(s) {
		return edgetoken.Redacted
	}
	return edgetoken.RedactURI(s)
}

func containsQuery(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			return true
		}
	}
	return false
}

// stringArray is logged as an array of strings, like Caddy's header values.
type stringArray []string

func (a stringArray) MarshalLogArray(enc zapcore.ArrayEncoder) error {
	for _, s := range a {
		enc.AppendString(s)
	}
	return nil
}

// Interface guards
var (
	_ logging.LogFieldFilter = (*TokenFilter)(nil)
	_ caddyfile.Unmarshaler  = (*TokenFilter)(nil)
)

// Package damrule asks a DAM's rule endpoint whether an asset is protected
// (must be requested with a token) and remembers the answer.
//
// The endpoint contract: GET <template with {asset} replaced>, answered 2xx
// with a body of `true` or `false`, or a JSON object {"tokenize": bool}.
// Anything else — a timeout, a transport error, a non-2xx status, a body
// that is neither — is a failure, and a failure means protected (fail
// closed). Answers are cached per asset for a TTL (the rule depends on the
// asset's properties only); failures for a shorter time, so a DAM that comes
// back is asked again soon. Concurrent lookups of one asset share one call.
//
// The package has no Caddy import; hlsproxy/policy_http.go is its glue.
package damrule

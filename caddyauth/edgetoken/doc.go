// Package edgetoken parses, verifies, generates and explains Akamai
// EdgeAuth (Auth Token 2.0) tokens exactly as the Akamai SDKs (Python,
// Java, Node, Ruby) and the PHP Akamai_EdgeAuth_Generate class emit them.
//
// A token looks like
//
//	[ip=IP~][st=START~]exp=END~[acl=ACL~][id=SESSION~][data=PAYLOAD~]hmac=HEX
//
// The HMAC is computed over the exact bytes received before "~hmac="
// (plus "~url=<path>" in URL mode and "~salt=<salt>" when a salt is
// configured); a token is never re-serialised. The package is pure: it
// has no Caddy import, and the Caddy glue lives in caddyauth/edgeauth.
//
// Request paths are normalised with NormalizePath before any ACL
// comparison; a path that still carries encoded separators or
// dot-segments after decoding is rejected, so no spelling of a path can
// step outside the ACL that a token grants.
package edgetoken

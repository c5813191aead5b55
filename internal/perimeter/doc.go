// Package perimeter holds the pure decisions behind the secure_routes
// handler: which method and path may pass, whether a request arrived over
// HTTPS, which CORS and HSTS headers to send, and whether a request path is
// canonical enough to be matched safely. It imports no Caddy package.
//
// Policy.Decide is the entry point: the Caddy glue describes a request as a
// Request and applies the returned Decision (headers to add, then continue,
// deny with a status, redirect, or answer a CORS preflight).
package perimeter

package edgeauth

// Request variables (caddyhttp.SetVar / GetVar) that edgeauth sets for the
// handlers after it, e.g. hls_proxy's token propagation. They are also
// readable as {http.vars.<name>} placeholders.
const (
	// VarAuthenticated is a bool: true when a token verified, false when
	// `optional` let an unauthenticated request through.
	VarAuthenticated = "edgeauth.authenticated"
	// VarToken is the exact token string that verified.
	VarToken = "edgeauth.token"
	// VarSource says where that token came from: SourceQuery,
	// SourceCookie or SourceHeader.
	VarSource = "edgeauth.source"
	// VarParam is the configured query parameter name (default __token__).
	VarParam = "edgeauth.param"
	// VarTokenScope is a []string: the ACL patterns the verified token
	// covers (in URL mode, the normalised request path it was signed for).
	VarTokenScope = "edgeauth.token_scope"
	// VarSessionToken is the token just minted for the session cookie
	// (hybrid mode, query-token requests only). Its ACL is the session
	// ACL (by default the request directory + "/*"), so unlike a PHP
	// "<playlist path>*" query token it covers the playlist's segments.
	VarSessionToken = "edgeauth.session_token"
	// VarSessionScope is a []string: the ACL patterns of that session token.
	VarSessionScope = "edgeauth.session_scope"
	// VarReason is the denial reason (see edgetoken.Reason*), set when no
	// token verified.
	VarReason = "edgeauth.reason"
)

// Token sources reported in VarSource.
const (
	SourceQuery  = "query"
	SourceCookie = "cookie"
	SourceHeader = "header"
)

// Placeholders set through the request's replacer.
const (
	PlaceholderReason   = "http.auth.edgeauth.reason"
	PlaceholderUserID   = "http.auth.user.id"
	PlaceholderUserData = "http.auth.user.data"
	PlaceholderUserExp  = "http.auth.user.exp"
	PlaceholderUserACL  = "http.auth.user.acl"
)

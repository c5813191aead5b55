package edgeauth

// Request variables (caddyhttp.SetVar / GetVar) that edgeauth sets, also
// readable as {http.vars.<name>} placeholders. They are informational: the
// handlers after edgeauth read the typed contract (internal/authz through
// internal/reqstate), never these. No token is ever stored in a variable.
const (
	// VarAuthenticated is a bool: true when a token verified, false when
	// `optional` let an unauthenticated request through.
	VarAuthenticated = "edgeauth.authenticated"
	// VarSource says where that token came from: SourceQuery,
	// SourceCookie or SourceHeader.
	VarSource = "edgeauth.source"
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

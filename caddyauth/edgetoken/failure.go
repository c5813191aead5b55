package edgetoken

// Reasons a token is refused. They are stable strings: the Caddy glue
// exposes them as {http.auth.edgeauth.reason}.
const (
	ReasonExpired     = "expired"
	ReasonBadHMAC     = "bad_hmac"
	ReasonACLMismatch = "acl_mismatch"
	ReasonIPMismatch  = "ip_mismatch"
	ReasonMissing     = "missing"
	ReasonMalformed   = "malformed"
	ReasonNotYetValid = "not_yet_valid"
)

// Failure says why a token or a request path was refused. Detail is
// human text for logs and `caddy edgeauth verify`; it never contains the
// token, its HMAC or a key.
type Failure struct {
	Reason string
	Detail string
}

func (f *Failure) Error() string {
	if f.Detail == "" {
		return f.Reason
	}
	return f.Reason + ": " + f.Detail
}

func failf(reason, detail string) *Failure {
	return &Failure{Reason: reason, Detail: detail}
}

// ref returns a heap copy of f; keeping the copy out of the success path
// keeps Verify allocation-free there.
func (f Failure) ref() *Failure { return &f }

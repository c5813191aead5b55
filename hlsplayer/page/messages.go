package page

import "github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"

// Refusal is what the error page says for one reason.
type Refusal struct {
	Reason string // a fixed code: expired, invalid, missing, wrong_asset, …
	Title  string
	Text   string
}

// Refusals by the page's reason code.
var (
	RefusalMissing = Refusal{"missing", "Access link required",
		"This video can only be watched from the page that embeds it: the link has no access token."}
	RefusalExpired = Refusal{"expired", "This link has expired",
		"The access link of this video has expired. Reload the page that embeds it to get a new one."}
	RefusalWrongAsset = Refusal{"wrong_asset", "Not a link for this video",
		"The access link is valid, but for another video."}
	RefusalNotYetValid = Refusal{"not_yet_valid", "This link is not valid yet",
		"The access link of this video only becomes valid later. Check the clock of the site that issued it."}
	RefusalIPMismatch = Refusal{"ip_mismatch", "Link issued for another network",
		"The access link of this video was issued for another network address."}
	RefusalInvalid = Refusal{"invalid", "Invalid access link",
		"The access link of this video is invalid or damaged."}
	RefusalNotFound = Refusal{"not_found", "No video here",
		"This address does not name a video."}
)

// RefusalFor maps an edgetoken failure reason to what the page says.
func RefusalFor(reason string) Refusal {
	switch reason {
	case edgetoken.ReasonMissing:
		return RefusalMissing
	case edgetoken.ReasonExpired:
		return RefusalExpired
	case edgetoken.ReasonACLMismatch:
		return RefusalWrongAsset
	case edgetoken.ReasonNotYetValid:
		return RefusalNotYetValid
	case edgetoken.ReasonIPMismatch:
		return RefusalIPMismatch
	}
	return RefusalInvalid // bad_hmac, malformed, anything new
}

package perimeter

import (
	"fmt"
	"strconv"
)

// PreloadMinMaxAge is the smallest max-age (one year, in seconds) the HSTS
// preload list accepts.
const PreloadMinMaxAge = 31536000

// HSTS is a Strict-Transport-Security policy.
type HSTS struct {
	MaxAge            int64 // seconds; 0 tells browsers to forget the policy
	IncludeSubdomains bool
	Preload           bool
}

// Validate refuses a negative max-age, and preload without
// includeSubDomains or with a max-age under PreloadMinMaxAge.
func (h HSTS) Validate() error {
	if h.MaxAge < 0 {
		return fmt.Errorf("hsts max-age %d: must not be negative", h.MaxAge)
	}
	if h.Preload && !h.IncludeSubdomains {
		return fmt.Errorf("hsts preload requires include_subdomains")
	}
	if h.Preload && h.MaxAge < PreloadMinMaxAge {
		return fmt.Errorf("hsts preload requires max-age >= %d, got %d", PreloadMinMaxAge, h.MaxAge)
	}
	return nil
}

// Value is the Strict-Transport-Security header value.
func (h HSTS) Value() string {
	v := "max-age=" + strconv.FormatInt(h.MaxAge, 10)
	if h.IncludeSubdomains {
		v += "; includeSubDomains"
	}
	if h.Preload {
		v += "; preload"
	}
	return v
}

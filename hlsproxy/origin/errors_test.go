package origin

import (
	"errors"
	"strings"
	"testing"
)

func TestStatusErrorKinds(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   Kind
	}{
		{404, "NoSuchKey", NotFound},
		{404, "", NotFound},
		{404, "XAdminUserNotFound", Denied},
		{403, "AccessDenied", Denied},
		{403, "SignatureDoesNotMatch", Denied},
		{401, "", Denied},
		{400, "AuthorizationHeaderMalformed", Denied},
		{400, "ExpiredToken", Denied},
		{400, "InvalidArgument", Invalid},
		{400, "", Invalid},
		{405, "MethodNotAllowed", Invalid},
		{301, "PermanentRedirect", Invalid},
		{429, "", Unavailable},
		{408, "", Unavailable},
		{500, "InternalError", Unavailable},
		{503, "SlowDown", Unavailable},
		{503, "AccessDenied", Unavailable},
	}
	for _, tt := range tests {
		e := statusError("o", tt.status, tt.code)
		if e.Kind != tt.want || e.Status != tt.status || e.Code != tt.code {
			t.Errorf("statusError(%d, %q) = %v, want kind %v", tt.status, tt.code, e, tt.want)
		}
	}
}

func TestS3ErrorCode(t *testing.T) {
	tests := []struct{ body, want string }{
		{`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The key does not exist</Message></Error>`, "NoSuchKey"},
		{`<Error><Message>m</Message><Code>SignatureDoesNotMatch</Code></Error>`, "SignatureDoesNotMatch"},
		{`<Error><Code>Bad Code With Spaces</Code></Error>`, ""},
		{`<Error><Code>` + strings.Repeat("A", 65) + `</Code></Error>`, ""},
		{`not xml at all`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := s3ErrorCode(strings.NewReader(tt.body)); got != tt.want {
			t.Errorf("s3ErrorCode(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func FuzzS3ErrorCode(f *testing.F) {
	f.Add(`<Error><Code>NoSuchKey</Code></Error>`)
	f.Add(`<Error><Code><![CDATA[x]]></Code></Error>`)
	f.Fuzz(func(t *testing.T, body string) {
		code := s3ErrorCode(strings.NewReader(body))
		if code != cleanCode(code) {
			t.Fatalf("code %q escaped the filter", code)
		}
	})
}

func TestErrorMessageAndUnwrap(t *testing.T) {
	cause := errors.New("dial tcp: connection refused")
	e := &Error{Kind: Denied, Origin: "s3://b/p", Status: 403, Code: "AccessDenied", Err: cause}
	if got, want := e.Error(), "origin s3://b/p: denied (status 403 AccessDenied): dial tcp: connection refused"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, cause) || KindOf(e) != Denied || KindOf(cause) != 0 {
		t.Errorf("Unwrap/KindOf broken")
	}
}

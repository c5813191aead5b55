package edgetoken

import (
	"errors"
	"strings"
)

func replaceOnce(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("replaceOnce: " + old + " not in " + s)
	}
	return strings.Replace(s, old, new, 1)
}

// reasonOf returns the Failure reason of err, or "" if err is nil or not
// a *Failure.
func reasonOf(err error) string {
	var f *Failure
	if errors.As(err, &f) && f != nil { // a nil *Failure in an error is no failure
		return f.Reason
	}
	return ""
}

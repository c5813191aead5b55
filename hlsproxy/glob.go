package hlsproxy

import "path"

// globMatch is path.Match with a malformed pattern matching nothing
// (Validate refuses malformed patterns).
func globMatch(pattern, name string) bool {
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

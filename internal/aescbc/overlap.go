package aescbc

import "unsafe"

// inexactOverlap reports whether x and y share memory at any non-corresponding
// index (crypto/internal/alias.InexactOverlap): dst == src is fine, a shifted
// view of the same bytes is not.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 || &x[0] == &y[0] {
		return false
	}
	return uintptr(unsafe.Pointer(&x[0])) <= uintptr(unsafe.Pointer(&y[len(y)-1])) &&
		uintptr(unsafe.Pointer(&y[0])) <= uintptr(unsafe.Pointer(&x[len(x)-1]))
}

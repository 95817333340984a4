//go:build !failpoints

package esign

// failpoint marks a place where a crash test may kill the process. Without
// the failpoints build tag it is an empty function the compiler removes.
func failpoint(string) {}

package main

import (
	"os/exec"
	"syscall"
)

// rusageMaxRSS reads ru_maxrss (KiB on Linux) of the finished command.
func rusageMaxRSS(cmd *exec.Cmd) int64 {
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

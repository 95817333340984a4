// Command peakmem runs a command and reports the peak of its resident
// memory split into what the process allocated itself (anonymous pages:
// heap, stacks, buffers) and what it has mapped from files (its executable
// and shared libraries, clean pages shared with the page cache).
//
//	go run ./bench/peakmem -- pdfsig -add-signature ...
//
// It prints one line, "hwm_kb anon_kb file_kb": the kernel's high-water mark
// of the whole RSS (VmHWM), and the largest RssAnon and RssFile seen by
// polling /proc/PID/status every 500 µs. The kernel keeps no high-water mark
// of the parts, so a spike shorter than the polling interval can be missed;
// memory a process allocated is rarely given back before it exits, so the
// last samples are close to the peak.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

func main() {
	interval := flag.Duration("interval", 500*time.Microsecond, "how often to sample /proc/PID/status")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: peakmem [-interval 500us] -- COMMAND [ARG...]")
		os.Exit(2)
	}
	peak, err := run(flag.Args(), *interval)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peakmem:", err)
		os.Exit(1)
	}
	fmt.Printf("%d %d %d\n", peak.hwm, peak.anon, peak.file)
}

// sample is what /proc/PID/status says of resident memory, in KiB.
type sample struct{ hwm, anon, file int64 }

func (s *sample) max(o sample) {
	s.hwm, s.anon, s.file = max(s.hwm, o.hwm), max(s.anon, o.anon), max(s.file, o.file)
}

// run starts the command with its output discarded and samples it until
// it exits; a command that fails is an error.
func run(args []string, interval time.Duration) (sample, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	var peak sample
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		// Read before checking for exit: the last sample is the closest to the peak.
		if s, err := readStatus(status); err == nil {
			peak.max(s)
		}
		select {
		case err := <-done:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return peak, fmt.Errorf("%s: %w", args[0], err)
			}
			peak.max(sample{hwm: rusageMaxRSS(cmd)})
			return peak, err
		case <-tick.C:
		}
	}
}

// readStatus reads VmHWM, RssAnon and RssFile from a /proc/PID/status file.
func readStatus(path string) (sample, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return sample{}, err
	}
	var s sample
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(string(f[1]), 10, 64)
		switch string(f[0]) {
		case "VmHWM:":
			s.hwm = v
		case "RssAnon:":
			s.anon = v
		case "RssFile:":
			s.file = v
		}
	}
	return s, sc.Err()
}

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gsign/gsign/internal/esign/esigntest"
)

// sealCLI runs `gsign seal` against the data folder.
func sealCLI(t *testing.T, data string, args ...string) (int, string) {
	t.Helper()
	return runCLI(t, data, append([]string{"seal"}, args...)...)
}

func TestSealWritesAVerifiableSeal(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	if code, out := runCLI(t, data, "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	orig := esigntest.PDF(2, 612, 792)
	if err := os.WriteFile(in, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	code, msg := sealCLI(t, data, "--in", in, "--out", out)
	if code != 0 || !strings.Contains(msg, "sealed "+in) {
		t.Fatalf("seal: exit %d\n%s", code, msg)
	}
	sealed, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(sealed, orig) || len(sealed) <= len(orig) {
		t.Fatalf("the sealed file is not the original plus an update (%d bytes from %d)", len(sealed), len(orig))
	}
	checkLeftovers(t, dir, "in.pdf", "out.pdf")
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Skip("pdfsig not installed; the signature itself is checked in internal/pdf/pades")
	}
	report, _ := exec.Command("pdfsig", "-no-ocsp", out).CombinedOutput() // non-zero: the root is not trusted
	if !strings.Contains(string(report), "Signature is Valid.") || !strings.Contains(string(report), "Total document signed") {
		t.Fatalf("pdfsig does not find a valid seal over the whole file:\n%s", report)
	}
}

func TestSealRefusesBadInput(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	if code, out := runCLI(t, data, "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	pdf := esigntest.PDF(1, 612, 792)
	unreadable := write("unreadable.pdf", pdf)
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.pdf")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"--out", out}, "usage: gsign seal"},
		{"no output", []string{"--in", write("ok.pdf", pdf)}, "usage: gsign seal"},
		{"missing", []string{"--in", filepath.Join(dir, "nope.pdf"), "--out", out}, "no such file"},
		{"not a PDF", []string{"--in", write("notes.txt", []byte("hello\n")), "--out", out}, "is not a PDF"},
		{"truncated", []string{"--in", write("cut.pdf", pdf[:len(pdf)/2]), "--out", out}, "cannot be sealed"},
		{"output folder missing", []string{"--in", write("ok.pdf", pdf), "--out", filepath.Join(dir, "no", "out.pdf")}, "no such file"},
	}
	if os.Geteuid() != 0 { // root reads anything
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"unreadable", []string{"--in", unreadable, "--out", out}, "permission denied"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := sealCLI(t, data, tt.args...)
			if code != exitUsage || !strings.Contains(msg, tt.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, exitUsage, tt.want, msg)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a failed seal left an output file")
			}
		})
	}
	checkLeftovers(t, dir, "unreadable.pdf", "ok.pdf", "notes.txt", "cut.pdf")
}

// checkLeftovers fails if dir holds files other than want: a temporary
// file left behind by the seal.
func checkLeftovers(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(want, e.Name()) {
			t.Errorf("unexpected file %s left in %s", e.Name(), dir)
		}
	}
}

// Package cli is gsign's command line and the one place where everything is
// wired together.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // the check found a problem
	exitUsage  = 2 // bad usage or an error running the command
)

// Env is what a command may touch of the outside world.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// Main runs the gsign command line and returns the exit code.
func Main(ctx context.Context, args []string) int {
	return Run(ctx, args, Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) int
}

func commands() []command {
	return []command{
		{"serve", "run the server (api, worker and scheduler roles)", runServe},
		{"migrate", "apply database migrations", runMigrate},
		{"fsck", "check database, blobs and audit chains; exit 1 on any violation", runFsck},
		{"audit", "audit verify [--envelope ID]: verify audit hash chains", runAudit},
		{"jobs", "list | dlq | replay ID... | replay --all-dead: inspect background jobs, bring dead ones back", runJobs},
		{"pki", "export-root | export-crl | import-p12 | import-hsm-cert: the platform's seal PKI", runPKI},
		{"verify", "verify FILE.pdf [--json]: check signatures, later changes and evidence; exit 1 if invalid", runVerify},
		{"seal", "seal a PDF with the platform seal (PAdES B-T), for checks and benchmarks", runSeal},
		{"version", "print the version", runVersion},
	}
}

// Run is Main with an explicit environment, for tests.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "gsign: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gsign <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'gsign <command> -h' for a command's flags. Settings also come from GSIGN_* environment variables; see docs/operations.md.")
}

// Version is set at build time with -ldflags "-X github.com/gsign/gsign/internal/cli.Version=…".
var Version = "dev"

func runVersion(_ context.Context, env Env, _ []string) int {
	fmt.Fprintln(env.Stdout, "gsign", Version)
	return exitOK
}

// fail prints err and returns the usage/error exit code.
func fail(env Env, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintln(env.Stderr, "gsign:", err)
	return exitUsage
}

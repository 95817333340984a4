package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gsign/gsign/internal/esign"
)

func runMigrate(ctx context.Context, env Env, args []string) int {
	a, code := openForCommand(ctx, env, commandFlags("migrate", env), args, true)
	if a == nil {
		return code
	}
	defer a.Close()
	cur, latest, err := a.db.SchemaStatus(ctx)
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "schema at version %d of %d\n", cur, latest)
	return exitOK
}

func runFsck(ctx context.Context, env Env, args []string) int {
	a, code := openForCommand(ctx, env, commandFlags("fsck", env), args, false)
	if a == nil {
		return code
	}
	defer a.Close()
	errs, warns := 0, 0
	st, err := a.svc.Fsck(ctx, func(f esign.Finding) {
		if f.Severity == esign.SevError {
			errs++
		} else {
			warns++
		}
		where := ""
		if f.EnvelopeID != "" {
			where = " " + f.EnvelopeID
		}
		fmt.Fprintf(env.Stdout, "%s%s: %s\n", f.Severity, where, f.Message)
	})
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "checked %d envelopes, %d blobs: %d errors, %d warnings\n", st.Envelopes, st.Blobs, errs, warns)
	if errs > 0 {
		return exitFailed
	}
	return exitOK
}

func runAudit(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(env.Stderr, "usage: gsign audit verify [--envelope ID] [--json]")
		return exitUsage
	}
	fs := commandFlags("audit verify", env)
	envelope := fs.String("envelope", "", "verify only this envelope")
	asJSON := fs.Bool("json", false, "print JSON lines")
	a, code := openForCommand(ctx, env, fs, args[1:], false)
	if a == nil {
		return code
	}
	defer a.Close()
	bad, n := 0, 0
	err := a.svc.VerifyAllChains(ctx, *envelope, func(e *esign.Envelope, r *esign.AuditReport) error {
		n++
		if !r.Verified {
			bad++
		}
		return printChain(env, e, r, *asJSON)
	})
	if esign.IsKind(err, esign.KindNotFound) {
		fmt.Fprintf(env.Stderr, "gsign: envelope %s not found\n", *envelope)
		return exitUsage
	}
	if err != nil {
		return fail(env, err)
	}
	if !*asJSON {
		fmt.Fprintf(env.Stdout, "%d chains verified, %d broken\n", n-bad, bad)
	}
	if bad > 0 {
		return exitFailed
	}
	return exitOK
}

func printChain(env Env, e *esign.Envelope, r *esign.AuditReport, asJSON bool) error {
	if asJSON {
		out := map[string]any{"envelope_id": e.ID, "verified": r.Verified, "events": len(r.Events)}
		if r.Problem != nil {
			out["first_bad_seq"], out["reason"] = r.Problem.Seq, r.Problem.Reason
		}
		return json.NewEncoder(env.Stdout).Encode(out)
	}
	if r.Verified {
		fmt.Fprintf(env.Stdout, "ok      %s  %d events\n", e.ID, len(r.Events))
		return nil
	}
	_, err := fmt.Fprintf(env.Stdout, "BROKEN  %s  first bad event %d: %s\n", e.ID, r.Problem.Seq, r.Problem.Reason)
	return err
}

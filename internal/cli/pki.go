package cli

import (
	"context"
	"fmt"
	"io"
	"os"
)

// runPKI: gsign pki export-root | export-crl | import-p12 FILE.
func runPKI(ctx context.Context, env Env, args []string) int {
	usage := "usage: gsign pki export-root [--out FILE] | export-crl [--out FILE] | import-p12 --file FILE.p12 [--password-env VAR] | import-hsm-cert --file CHAIN.pem"
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, usage)
		return exitUsage
	}
	fs := commandFlags("pki "+args[0], env)
	out := fs.String("out", "-", "where to write; - is standard output")
	file := fs.String("file", "", "the PKCS#12 file to import")
	passEnv := fs.String("password-env", "GSIGN_P12_PASSWORD", "environment variable holding the PKCS#12 password")
	a, code := openForCommand(ctx, env, fs, args[1:], false)
	if a == nil {
		return code
	}
	defer a.Close()
	switch args[0] {
	case "export-root":
		return writeOut(env, *out, a.pki.ExportRoot())
	case "export-crl":
		crl, err := a.pki.CRL(ctx)
		if err != nil {
			return fail(env, err)
		}
		return writeOut(env, *out, crl)
	case "import-p12":
		return importP12(ctx, env, a, *file, env.Getenv(*passEnv))
	case "import-hsm-cert":
		return importHSMCert(ctx, env, a, *file)
	default:
		fmt.Fprintln(env.Stderr, usage)
		return exitUsage
	}
}

func importP12(ctx context.Context, env Env, a *app, file, password string) int {
	if file == "" {
		fmt.Fprintln(env.Stderr, "gsign pki import-p12: --file is required")
		return exitUsage
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fail(env, err)
	}
	cert, err := a.pki.ImportSealPKCS12(ctx, data, password)
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "imported seal certificate %q (serial %s, valid until %s); restart gsign processes to use it\n",
		cert.Subject.String(), cert.SerialNumber.Text(16), cert.NotAfter.UTC().Format("2006-01-02"))
	return exitOK
}

func writeOut(env Env, path string, data []byte) int {
	var w io.Writer = env.Stdout
	if path != "-" {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fail(env, err)
		}
		return exitOK
	}
	if _, err := w.Write(data); err != nil {
		return fail(env, err)
	}
	return exitOK
}

// importHSMCert stores a customer's certificate chain for the HSM seal key.
func importHSMCert(ctx context.Context, env Env, a *app, file string) int {
	if file == "" {
		fmt.Fprintln(env.Stderr, "gsign pki import-hsm-cert: --file is required")
		return exitUsage
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fail(env, err)
	}
	if err := a.pki.ImportHSMCertificate(ctx, data); err != nil {
		return fail(env, err)
	}
	fmt.Fprintln(env.Stdout, "imported the certificate chain for the HSM seal key; restart gsign processes to use it")
	return exitOK
}

package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gsign/gsign/internal/config"
	"github.com/gsign/gsign/internal/esign"
	"github.com/gsign/gsign/internal/pki"
)

// runSeal: gsign seal --in FILE.pdf --out SEALED.pdf. It seals with the
// platform seal exactly as the completion job does (the configured seal key,
// timestamp authority and level), so an operator can check the PKI end to
// end and bench/seal.sh can time the sealer against pdfsig.
// It opens only what sealing needs, the blob store and the PKI in it, and
// never the database.
func runSeal(ctx context.Context, env Env, args []string) int {
	fs := commandFlags("seal", env)
	in := fs.String("in", "", "the PDF to seal")
	out := fs.String("out", "", "where to write the sealed PDF (replaced if it exists)")
	cfg, err := loadConfigWith(fs, env, args)
	if err != nil {
		return fail(env, err)
	}
	if *in == "" || *out == "" {
		fmt.Fprintln(env.Stderr, "usage: gsign seal --in FILE.pdf --out SEALED.pdf [--data DIR]")
		return exitUsage
	}
	sealer, closeSealer, err := openSealer(ctx, cfg, env.Stderr)
	if err != nil {
		return fail(env, err)
	}
	defer closeSealer()
	start := time.Now()
	n, err := sealFile(ctx, sealer, *in, *out, start)
	if err != nil {
		return fail(env, err)
	}
	fmt.Fprintf(env.Stdout, "sealed %s into %s (%d bytes) in %d ms\n", *in, *out, n, time.Since(start).Milliseconds())
	return exitOK
}

// openSealer opens the platform PKI (creating it in a new data folder) and
// returns the platform's sealer.
func openSealer(ctx context.Context, cfg config.Config, logOut io.Writer) (esign.Sealer, func(), error) {
	p, closePKI, err := openPlatformPKI(ctx, cfg, logOut)
	if err != nil {
		return nil, nil, err
	}
	signer, chain := p.Seal()
	return newSealer(cfg, p, signer, chain), closePKI, nil
}

// openPlatformPKI opens the blob store and the platform PKI in it, and
// nothing else (no database, no Redis): for commands that need only keys
// and certificates. The returned function closes both.
func openPlatformPKI(ctx context.Context, cfg config.Config, logOut io.Writer) (*pki.PKI, func(), error) {
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	p, err := openPKI(ctx, cfg, blobs, esign.SystemClock{}, newLogger(cfg, logOut))
	if err != nil {
		blobs.Close()
		return nil, nil, err
	}
	return p, func() { p.Close(); blobs.Close() }, nil
}

// sealFile seals the PDF at in into a temporary file next to out and renames
// it to out, so out appears complete or not at all. It returns out's size.
// There is no fsync: like cp or pdfsig, the command makes a file that can be
// made again, and the benchmark compares it with pdfsig on equal terms.
func sealFile(ctx context.Context, s esign.Sealer, in, out string, now time.Time) (int64, error) {
	src, err := openPDF(in)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(out), ".seal-*.pdf")
	if err != nil {
		return 0, fmt.Errorf("seal: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	info := esign.SealInfo{Name: "GSign Seal", Reason: "Sealed with gsign seal", Time: now}
	if err := s.Seal(ctx, src, tmp, info); err != nil {
		tmp.Close()
		return 0, describeSealError(in, err)
	}
	n, err := finishFile(tmp)
	if err != nil {
		return 0, fmt.Errorf("seal: write %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return 0, fmt.Errorf("seal: %w", err)
	}
	return n, nil
}

// openPDF opens in and checks that it starts like a PDF, so that a wrong
// file is named as such before any work is done.
func openPDF(in string) (*os.File, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err) // names the file and says why
	}
	head := make([]byte, 1024) // a header may follow up to 1 KB of junk
	k, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, fmt.Errorf("seal: read %s: %w", in, err)
	}
	if !bytes.Contains(head[:k], []byte("%PDF-")) {
		f.Close()
		return nil, fmt.Errorf("seal: %s is not a PDF (no %%PDF- header)", in)
	}
	return f, nil
}

// describeSealError puts the caller-safe message of a refused document
// first; other errors (a failing TSA) keep their chain.
func describeSealError(in string, err error) error {
	var e *esign.Error
	if errors.As(err, &e) {
		return fmt.Errorf("seal: %s cannot be sealed: %s (%s)", in, e.Message, e.Code)
	}
	return err
}

// finishFile gives f the mode of an ordinary output file, closes it and
// returns its size.
func finishFile(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

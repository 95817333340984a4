package cli

import (
	"context"
	"flag"

	"github.com/gsign/gsign/internal/esign"
)

// openForCommand loads the configuration of an administrative command (with
// its own flags in fs, if any) and opens the app; migrate says whether it may
// migrate the schema. On failure it returns the exit code to use.
func openForCommand(ctx context.Context, env Env, fs *flag.FlagSet, args []string, migrate bool) (*app, int) {
	cfg, err := loadConfigWith(fs, env, args)
	if err != nil {
		return nil, fail(env, err)
	}
	cfg.AutoMigrate = migrate
	a, err := openApp(ctx, cfg, env.Stderr, esign.SystemClock{})
	if err != nil {
		return nil, fail(env, err)
	}
	return a, exitOK
}

func commandFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet("gsign "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

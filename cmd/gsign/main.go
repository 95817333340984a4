// Command gsign is GSign, a self-hostable electronic-signature platform.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gsign/gsign/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

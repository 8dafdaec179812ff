package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/engine"
	"github.com/codebridge/codebridge/rules"
)

func newServeCmd(g *globals) *cobra.Command {
	var configPath, httpAddr, dataDir, natsURL, natsListen string
	var watch bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the engine: embedded NATS (or --nats-url), router, functions, HTTP API",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			cfg, err := rules.Load(configPath)
			if err != nil {
				return err
			}
			opts := engine.Options{
				Config: cfg, Logger: log, HTTPAddr: httpAddr, DataDir: dataDir, NATSURL: natsURL,
				WatchConfig: watch,
			}
			if cmd.Flags().Changed("nats-listen") {
				opts.NATSListen = &natsListen
			}
			eng, err := engine.New(cmd.Context(), opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "codebridge: HTTP API on http://%s\n", eng.HTTPAddr())
			if u := eng.NATSURL(); u != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "codebridge: embedded NATS on %s\n", u)
			}
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for range hup {
					_ = eng.Reload(cmd.Context()) // a failed reload is logged and keeps the old rules
				}
			}()
			return eng.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "codebridge.yaml", "configuration file")
	f.StringVar(&httpAddr, "http", "", "HTTP listen address (overrides server.http)")
	f.StringVar(&dataDir, "data-dir", "", "data directory (overrides server.dataDir)")
	f.StringVar(&natsURL, "nats-url", "", "external NATS cluster URL(s) (overrides nats.url)")
	f.StringVar(&natsListen, "nats-listen", "", `embedded NATS client address (overrides nats.listen; "" = in-process only)`)
	f.BoolVar(&watch, "watch", true, "reload the rules when the config file changes (SIGHUP always reloads)")
	return cmd
}

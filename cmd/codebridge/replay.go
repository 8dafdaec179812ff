package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/engine"
)

func newReplayCmd() *cobra.Command {
	var server, from, to, rule, typ string
	cmd := &cobra.Command{
		Use:   "replay --from T [--to T] [--rule R] [--type T]",
		Short: "Route stored events again (all rules, or one), like an archive replay",
		Long: "T is an RFC 3339 time (2026-11-25T10:00:00Z) or a duration ago (2h).\n" +
			"Replayed invocations get new ids, so functions run them as new work.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := engine.ReplayRequest{Rule: rule, Type: typ}
			var err error
			if from == "" {
				return usagef("--from is required")
			}
			if req.From, err = parseWhen(from); err != nil {
				return usagef("--from: %v", err)
			}
			if to != "" {
				if req.To, err = parseWhen(to); err != nil {
					return usagef("--to: %v", err)
				}
			}
			body, _ := json.Marshal(req)
			var res engine.ReplayResult
			c := newAPIClient(server)
			c.hc.Timeout = 6 * time.Minute // the server allows a replay 5 minutes
			if err := c.do(cmd.Context(), "POST", "/api/replay", "application/json", body, &res); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "replay %s: %d events read, %d invocations stored\n", res.ID, res.Events, res.Invocations)
			if res.Truncated {
				fmt.Fprintln(cmd.OutOrStdout(), "the window holds more events than one replay takes: replay the rest with a later --from")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "start time (RFC 3339) or how long ago (2h)")
	f.StringVar(&to, "to", "", "end time (default now)")
	f.StringVar(&rule, "rule", "", "only this rule")
	f.StringVar(&typ, "type", "", "only events of this type")
	f.StringVar(&server, "server", "http://127.0.0.1:8080", "codebridge HTTP API")
	return cmd
}

// parseWhen reads an RFC 3339 time or a duration before now.
func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration", s)
	}
	return time.Now().Add(-d), nil
}

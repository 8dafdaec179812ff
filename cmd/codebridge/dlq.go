package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/engine"
)

func newDLQCmd() *cobra.Command {
	var server string
	cmd := &cobra.Command{Use: "dlq", Short: "List, show, redrive and purge dead-lettered invocations"}
	cmd.PersistentFlags().StringVar(&server, "server", "http://127.0.0.1:8080", "codebridge HTTP API")
	list := &cobra.Command{
		Use: "list", Short: "List dead letters, oldest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct {
				DeadLetters []engine.DeadLetter `json:"deadLetters"`
			}
			if err := newAPIClient(server).do(cmd.Context(), "GET", "/api/dlq?limit=1000", "", nil, &out); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tFAILED\tRULE\tFUNCTION\tREASON\tATTEMPTS\tERROR")
			for _, d := range out.DeadLetters {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", d.Sequence, d.FailedAt.Format("2006-01-02 15:04:05"),
					d.Rule, d.Function, d.Reason, d.Attempts, truncate(d.Error, 80))
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use: "show SEQ", Short: "Show one dead letter with its event and input", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seq, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return usagef("SEQ %q: must be a number from dlq list", args[0])
			}
			var d engine.DeadLetter
			if err := newAPIClient(server).do(cmd.Context(), "GET", "/api/dlq/"+strconv.FormatUint(seq, 10), "", nil, &d); err != nil {
				return err
			}
			d.Invocation = nil
			return printJSON(cmd.OutOrStdout(), d)
		},
	}
	var all bool
	redrive := &cobra.Command{
		Use: "redrive (SEQ... | --all)", Short: "Send dead letters back to their function with a fresh attempt count",
		RunE: func(cmd *cobra.Command, args []string) error {
			c := newAPIClient(server)
			var out struct {
				Redriven []uint64 `json:"redriven"`
			}
			switch {
			case all && len(args) > 0, !all && len(args) == 0:
				return usagef("give SEQ numbers or --all")
			case all:
				if err := c.do(cmd.Context(), "POST", "/api/dlq/redrive", "", nil, &out); err != nil {
					return err
				}
			default:
				for _, a := range args {
					seq, err := strconv.ParseUint(a, 10, 64)
					if err != nil {
						return usagef("SEQ %q: must be a number from dlq list", a)
					}
					if err := c.do(cmd.Context(), "POST", "/api/dlq/"+strconv.FormatUint(seq, 10)+"/redrive", "", nil, &out); err != nil {
						return err
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "redriven: %d\n", max(len(out.Redriven), len(args)))
			return nil
		},
	}
	redrive.Flags().BoolVar(&all, "all", false, "redrive every dead letter")
	var yes bool
	purge := &cobra.Command{
		Use: "purge --yes", Short: "Delete every dead letter (there is no undo)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !yes {
				return usagef("purge deletes every dead letter for good: add --yes")
			}
			if err := newAPIClient(server).do(cmd.Context(), "DELETE", "/api/dlq", "", nil, nil); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "purged")
			return nil
		},
	}
	purge.Flags().BoolVar(&yes, "yes", false, "confirm")
	cmd.AddCommand(list, show, redrive, purge)
	return cmd
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

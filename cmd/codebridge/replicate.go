package main

import (
	"fmt"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/functions/replicate"
)

func newReplicateCmd() *cobra.Command {
	var server, function, repository string
	cmd := &cobra.Command{Use: "replicate", Short: "Inspect repository replication"}
	status := &cobra.Command{
		Use: "status", Short: "Per repository and target: last success, lag, last error", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if function != "" {
				q.Set("function", function)
			}
			if repository != "" {
				q.Set("repository", repository)
			}
			var out struct {
				Targets []replicate.TargetStatus `json:"targets"`
			}
			if err := newAPIClient(server).do(cmd.Context(), "GET", "/api/replication?"+q.Encode(), "", nil, &out); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FUNCTION\tREPOSITORY\tTARGET\tIN SYNC\tLAST SUCCESS\tLAG\tFAILURES\tLAST ERROR")
			for _, s := range out.Targets {
				last := "never"
				if !s.LastSuccess.IsZero() {
					last = s.LastSuccess.Local().Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\t%d\t%s\n", s.Function, s.Repository, s.Target, s.InSync(), last,
					(time.Duration(s.LagMS) * time.Millisecond).String(), s.Failures, truncate(s.LastError, 60))
			}
			return tw.Flush()
		},
	}
	status.Flags().StringVar(&function, "function", "", "only this replicate function")
	status.Flags().StringVar(&repository, "repository", "", "only this source repository")
	cmd.PersistentFlags().StringVar(&server, "server", "http://127.0.0.1:8080", "codebridge HTTP API")
	cmd.AddCommand(status)
	return cmd
}

package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/functions/build"
)

func newBuildCmd() *cobra.Command {
	var server, buildspec string
	var local bool
	cmd := &cobra.Command{
		Use:   "build (--local [--buildspec F] [DIR] | list | show ID | logs [-f] ID | stop ID)",
		Short: "Run a buildspec locally, or inspect and stop the server's builds",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !local {
				return usagef("use --local to run a buildspec here, or a subcommand: list, show, logs, stop")
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			status, err := build.RunLocal(cmd.Context(), dir, buildspec, cmd.OutOrStdout())
			fmt.Fprintf(cmd.ErrOrStderr(), "build %s\n", status)
			if err != nil {
				return err
			}
			if status != build.StatusSucceeded {
				return fmt.Errorf("build %s", status)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&local, "local", false, "run the buildspec in DIR with no server (the local agent)")
	cmd.Flags().StringVar(&buildspec, "buildspec", "", "buildspec file (default buildspec.yml in DIR)")
	cmd.PersistentFlags().StringVar(&server, "server", "http://127.0.0.1:8080", "codebridge HTTP API")

	var project string
	var limit int
	list := &cobra.Command{
		Use: "list", Short: "List builds, newest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{"limit": {fmt.Sprint(limit)}}
			if project != "" {
				q.Set("project", project)
			}
			var out build.BuildList
			if err := newAPIClient(server).do(cmd.Context(), "GET", "/api/builds?"+q.Encode(), "", nil, &out); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tSTARTED\tDURATION\tTRIGGER\tCOMMIT")
			for _, r := range out.Builds {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.12s\n", r.ID, r.Status, r.StartTime.Local().Format("2006-01-02 15:04:05"),
					(time.Duration(r.DurationMS) * time.Millisecond).String(), r.Source.Trigger, r.Source.CommitID)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&project, "project", "", "only this project")
	list.Flags().IntVar(&limit, "limit", 50, "at most this many")
	show := &cobra.Command{
		Use: "show ID", Short: "Show a build record: status, phases, reports, artifacts", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var rec build.Record
			if err := newAPIClient(server).do(cmd.Context(), "GET", "/api/builds/"+url.PathEscape(args[0]), "", nil, &rec); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), rec)
		},
	}
	var follow bool
	logs := &cobra.Command{
		Use: "logs [-f] ID", Short: "Print a build's log; -f follows it until the build ends", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return buildLogs(cmd, server, args[0], follow)
		},
	}
	logs.Flags().BoolVarP(&follow, "follow", "f", false, "follow the log until the build ends")
	stop := &cobra.Command{
		Use: "stop ID", Short: "Stop a running build (its status becomes STOPPED)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out build.StopResponse
			if err := newAPIClient(server).do(cmd.Context(), "POST", "/api/builds/"+url.PathEscape(args[0])+"/stop", "", nil, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", out.ID, out.Status)
			return nil
		},
	}
	cmd.AddCommand(list, show, logs, stop)
	return cmd
}

// buildLogs prints a build's log; following reads the server-sent events
// stream until its "end" event.
func buildLogs(cmd *cobra.Command, server, id string, follow bool) error {
	u := strings.TrimRight(server, "/") + "/api/builds/" + url.PathEscape(id) + "/logs"
	req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if follow {
		req.Header.Set("Accept", "text/event-stream")
	}
	if tok := os.Getenv("CODEBRIDGE_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	out := cmd.OutOrStdout()
	if !follow {
		_, err := io.Copy(out, resp.Body)
		return err
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data := strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
			if event == "end" {
				fmt.Fprintf(cmd.ErrOrStderr(), "build %s\n", data)
				return nil
			}
			fmt.Fprintln(out, data)
		case line == "":
			event = ""
		}
	}
	return sc.Err()
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/events/gitref"
)

func newHookCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "hook", Short: "Publish reference events from a git server-side hook"}
	cmd.AddCommand(newHookPostReceiveCmd(), newHookInstallCmd())
	return cmd
}

// hookTimeout bounds how long a hook may hold up the end of a push.
const hookTimeout = 5 * time.Second

func newHookPostReceiveCmd() *cobra.Command {
	var server, token, repo string
	cmd := &cobra.Command{
		Use:   "post-receive --server URL [--token T]",
		Short: "Read git's post-receive input (<old> <new> <ref> lines) and publish the reference events",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if repo == "" {
				repo = hookRepository()
			}
			evs, err := readHookInput(cmd.InOrStdin(), repo, firstNonEmpty(os.Getenv("GL_USERNAME"), os.Getenv("REMOTE_USER"), os.Getenv("USER")))
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				return nil
			}
			body, err := json.Marshal(evs)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), hookTimeout)
			defer cancel()
			c := newAPIClient(server)
			c.hc.Timeout = hookTimeout
			if token != "" {
				c.token = token
			}
			if err := c.do(ctx, "POST", "/events", "application/cloudevents-batch+json", body, nil); err != nil {
				return fmt.Errorf("codebridge hook: events not published (the push itself succeeded): %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "codebridge: published %d event(s)\n", len(evs))
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", "http://127.0.0.1:8080", "codebridge HTTP API")
	cmd.Flags().StringVar(&token, "token", "", "API token (default $CODEBRIDGE_TOKEN)")
	cmd.Flags().StringVar(&repo, "repository", "", "repository location for the events (default: the repository the hook runs in)")
	return cmd
}

// hookRepository is the repository a hook runs in: git sets GIT_DIR, and
// runs hooks from the repository's directory.
func hookRepository() string {
	dir := os.Getenv("GIT_DIR")
	if dir == "" {
		dir = "."
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return dir
}

// readHookInput turns post-receive lines into events; a malformed line fails
// the whole input so nothing is half-published.
func readHookInput(r io.Reader, repo, pusher string) ([]events.Event, error) {
	var out []events.Event
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		c, err := gitref.ParseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if !strings.HasPrefix(c.Ref, "refs/heads/") && !strings.HasPrefix(c.Ref, "refs/tags/") {
			continue // notes, pull request refs: not reference events
		}
		e, err := gitref.Event(repo, c, pusher)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func newHookInstallCmd() *cobra.Command {
	var server string
	cmd := &cobra.Command{
		Use:   "install REPO_DIR",
		Short: "Write a post-receive hook into a (bare) repository that runs `codebridge hook post-receive`",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hooks, err := hooksDir(args[0])
			if err != nil {
				return err
			}
			self, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find the codebridge binary: %w", err)
			}
			script := fmt.Sprintf("#!/bin/sh\n# Installed by codebridge hook install: publishes reference events.\n# The push has already succeeded; a failure here only reports.\nexec %s hook post-receive --server %s\n",
				shellQuote(self), shellQuote(server))
			path := filepath.Join(hooks, "post-receive")
			if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
				return fmt.Errorf("write hook: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "installed %s\n", path)
			return nil
		},
	}
	cmd.Flags().StringVar(&server, "server", "http://127.0.0.1:8080", "codebridge HTTP API the hook publishes to")
	return cmd
}

// hooksDir finds the hooks directory of a bare or non-bare repository.
func hooksDir(repo string) (string, error) {
	for _, d := range []string{filepath.Join(repo, "hooks"), filepath.Join(repo, ".git", "hooks")} {
		if st, err := os.Stat(filepath.Dir(d)); err == nil && st.IsDir() {
			if _, err := os.Stat(filepath.Join(filepath.Dir(d), "HEAD")); err == nil {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return "", err
				}
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("%s is not a git repository", repo)
}

// shellQuote makes s one single-quoted shell word.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

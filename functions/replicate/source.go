package replicate

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/codebridge/codebridge/events"
)

// sourceOf reads the source repository from an event: any event whose data
// has repository.cloneURL (reference events, pull request events, the
// sources' poll and hook events). The URL is untrusted and is checked
// before git sees it.
func sourceOf(e events.Event) (repoURL, events.Repository, error) {
	var d struct {
		Repository *events.Repository `json:"repository"`
	}
	if err := json.Unmarshal(e.Data(), &d); err != nil || d.Repository == nil || d.Repository.CloneURL == "" {
		return repoURL{}, events.Repository{}, fmt.Errorf("%w: event %s (%s) has no data.repository.cloneURL", ErrNoSource, e.ID(), e.Type())
	}
	u, err := parseRepoURL(d.Repository.CloneURL)
	if err != nil {
		return repoURL{}, events.Repository{}, fmt.Errorf("%w: data.repository.cloneURL %s", ErrNoSource, err)
	}
	repo := *d.Repository
	if repo.Name == "" {
		repo.Name = strings.TrimSuffix(path.Base(strings.TrimSuffix(u.key, "/")), ".git")
	}
	if repo.Provider == "" {
		repo.Provider = "git"
	}
	return u, repo, nil
}

// allowed reports whether the function mirrors this repository: every
// repository when no list is configured, else one whose fullName, name or
// clone URL (without user information) matches a pattern.
func (f *Function) allowed(repo events.Repository, src repoURL) bool {
	if len(f.set.repos) == 0 {
		return true
	}
	for _, p := range f.set.repos {
		for _, s := range []string{repo.FullName, repo.Name, src.redacted} {
			if s == "" {
				continue
			}
			if ok, _ := path.Match(p, s); ok {
				return true
			}
		}
	}
	return false
}

package prcomment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

// Input is what a rule target passes to prcomment, usually built by the
// target's CEL input expression:
//
//	{"repository": "owner/name", "pullRequest": 42, "commit": "<sha>",
//	 "comment": "markdown", "sticky": "markdown", "stickyKey": "ci",
//	 "status": {"state": "success", "context": "codebridge/ci", "description": "...", "targetURL": "..."}}
//
// At least one of comment, sticky and status is required. Repository,
// pullRequest and commit may be left out when the triggering event carries
// them (pull request and comment events; build events for the commit).
type Input struct {
	Repository  string   `json:"repository,omitempty"`
	PullRequest PRNumber `json:"pullRequest,omitempty"`
	// Commit is the full or abbreviated SHA a status is set on.
	Commit string `json:"commit,omitempty"`
	// Comment is posted as a new comment.
	Comment string `json:"comment,omitempty"`
	// Body is another name for Comment.
	Body string `json:"body,omitempty"`
	// Sticky replaces the body of the pull request's one sticky comment for
	// StickyKey, or creates it.
	Sticky string `json:"sticky,omitempty"`
	// StickyKey tells sticky comments of different rules apart (default: the
	// rule's name).
	StickyKey string  `json:"stickyKey,omitempty"`
	Status    *Status `json:"status,omitempty"`
	// Context is the rule's context object; the engine hands it over in
	// Invocation.Context, it is accepted here so that inputs may carry it.
	Context map[string]any `json:"context,omitempty"`
}

// Status is a commit status.
type Status struct {
	State       string `json:"state"`                 // pending, success, failure, error
	Context     string `json:"context,omitempty"`     // default codebridge/<rule>
	Description string `json:"description,omitempty"` // cut to 140 characters
	TargetURL   string `json:"targetURL,omitempty"`
}

// PRNumber is a pull request number that decodes from a JSON number or a
// numeric string (catalogue events carry pullRequestId as a string).
type PRNumber int

// UnmarshalJSON accepts 42, 42.0 and "42".
func (n *PRNumber) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*n = 0
		return nil
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimPrefix(strings.TrimSpace(uq), "#")
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil && v > 0 && v <= 1<<31-1 {
		*n = PRNumber(v)
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f <= 1<<31-1 && f == float64(int64(f)) {
		*n = PRNumber(f)
		return nil
	}
	return fieldError("pullRequest", "must be a positive integer, got "+cut(string(b), 40))
}

// Limits of the hosts, checked before a request so that the error names the
// field: GitHub refuses comment bodies over 65536 characters and status
// descriptions over 140.
const (
	maxBody        = 65536
	maxDescription = 140
	maxStickyKey   = 200
)

// Status states that both GitHub and Gitea accept.
var statusStates = map[string]bool{"pending": true, "success": true, "failure": true, "error": true}

var (
	// Owner and repository names on GitHub and Gitea: letters, digits, '-',
	// '_' and '.'. Checking them keeps the input out of other URL paths.
	repoPattern = regexp.MustCompile(`^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)$`)
	shaPattern  = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
)

// request is a validated input.
type request struct {
	owner, name string
	pr          int
	commit      string
	comment     string
	sticky      string
	stickyKey   string
	status      *Status
}

func (r request) repo() string { return r.owner + "/" + r.name }

// target names what an action was about: owner/name#42, or owner/name@sha
// for a status outside a pull request.
func (r request) target() string {
	if r.pr > 0 {
		return r.repo() + "#" + strconv.Itoa(r.pr)
	}
	return r.repo() + "@" + r.commit
}

// parseInput decodes and validates the invocation's input, filling what it
// leaves out from the triggering event.
func parseInput(inv functions.Invocation) (request, error) {
	var in Input
	raw := bytes.TrimSpace(inv.Input)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return request{}, fieldError("input", "is empty; give the rule target an input with comment, sticky or status")
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(raw, &probe) == nil {
		if _, isEvent := probe["specversion"]; isEvent {
			return request{}, fieldError("input", "is the event itself; give the rule target an input expression with comment, sticky or status")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return request{}, inputDecodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return request{}, fieldError("input", "must be one JSON object")
	}
	return in.validate(inv)
}

func inputDecodeError(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fieldError("input", "must be a JSON object, got "+te.Value)
		}
		return fieldError(te.Field, "must be a JSON "+jsonKind(te.Type.Kind())+", got "+te.Value)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fieldError("input", "unknown field "+msg+" (known: repository, pullRequest, commit, comment, sticky, stickyKey, status, context)")
	}
	return fieldError("input", "is not a JSON object: "+cut(err.Error(), 200))
}

// jsonKind names a Go kind the way JSON does.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	default:
		return "number"
	}
}

func (in Input) validate(inv functions.Invocation) (request, error) {
	r := request{commit: in.Commit, pr: int(in.PullRequest), stickyKey: in.StickyKey, status: in.Status}

	switch {
	case in.Comment != "" && in.Body != "":
		return r, fieldError("body", "is another name for comment; give one of them")
	case in.Body != "":
		in.Comment = in.Body
	}
	if err := checkBody("comment", in.Comment); err != nil {
		return r, err
	}
	if err := checkBody("sticky", in.Sticky); err != nil {
		return r, err
	}
	r.comment, r.sticky = in.Comment, in.Sticky
	if r.comment == "" && r.sticky == "" && r.status == nil {
		return r, fieldError("comment", "nothing to do: give at least one of comment, sticky or status")
	}

	// What the input leaves out comes from the triggering event, as long as
	// the event is about the same repository.
	repo := in.Repository
	if repo == "" || r.pr == 0 || r.commit == "" {
		evRepo, evPR, evCommit := fromEvent(inv.Event)
		if repo == "" {
			repo = evRepo
		}
		if repo != "" && strings.EqualFold(repo, evRepo) {
			if r.pr == 0 {
				r.pr = evPR
			}
			if r.commit == "" {
				r.commit = evCommit
			}
		}
	}
	m := repoPattern.FindStringSubmatch(repo)
	switch {
	case repo == "":
		return r, fieldError("repository", `is required ("owner/name"), and the event carries none`)
	case m == nil || m[1] == "." || m[1] == ".." || m[2] == "." || m[2] == "..":
		return r, fieldError("repository", `must be "owner/name", got `+strconv.Quote(cut(repo, 100)))
	}
	r.owner, r.name = m[1], m[2]
	if r.pr <= 0 && (r.comment != "" || r.sticky != "") {
		return r, fieldError("pullRequest", "is required for comment and sticky, and the event carries none")
	}
	if r.sticky != "" {
		if r.stickyKey == "" {
			r.stickyKey = firstNonEmpty(inv.Rule, inv.Function, "default")
		}
		if len(r.stickyKey) > maxStickyKey || strings.IndexFunc(r.stickyKey, unicode.IsControl) >= 0 {
			return r, fieldError("stickyKey", fmt.Sprintf("must be one line of at most %d bytes", maxStickyKey))
		}
	}
	if r.status != nil {
		st, err := checkStatus(*r.status, inv.Rule)
		if err != nil {
			return r, err
		}
		r.status = &st
		switch {
		case r.commit == "":
			return r, fieldError("commit", "is required for status, and the event carries none")
		case !shaPattern.MatchString(r.commit):
			return r, fieldError("commit", "must be a commit SHA (7 to 64 hex digits), got "+strconv.Quote(cut(r.commit, 80)))
		}
	}
	return r, nil
}

func checkBody(field, body string) error {
	switch {
	case body == "":
		return nil
	case strings.TrimSpace(body) == "":
		return fieldError(field, "must not be blank")
	case !utf8.ValidString(body):
		return fieldError(field, "must be UTF-8 text")
	case utf8.RuneCountInString(body) > maxBody-200: // room for the markers
		return fieldError(field, fmt.Sprintf("is longer than %d characters", maxBody-200))
	}
	return nil
}

func checkStatus(st Status, rule string) (Status, error) {
	st.State = strings.ToLower(strings.TrimSpace(st.State))
	if !statusStates[st.State] {
		return st, fieldError("status.state", "must be pending, success, failure or error, got "+strconv.Quote(cut(st.State, 40)))
	}
	if st.Context == "" {
		st.Context = "codebridge"
		if rule != "" {
			st.Context += "/" + rule
		}
	}
	if strings.IndexFunc(st.Context, unicode.IsControl) >= 0 || len(st.Context) > 255 {
		return st, fieldError("status.context", "must be one line of at most 255 bytes")
	}
	if st.TargetURL != "" {
		u, err := url.Parse(st.TargetURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return st, fieldError("status.targetURL", "must be an http or https URL, got "+strconv.Quote(cut(st.TargetURL, 100)))
		}
	}
	if utf8.RuneCountInString(st.Description) > maxDescription {
		st.Description = string([]rune(st.Description)[:maxDescription-1]) + "…"
	}
	return st, nil
}

// fromEvent reads the repository, pull request number and commit from a
// catalogue event; what it does not carry is left zero.
func fromEvent(e events.Event) (repo string, pr int, commit string) {
	if e.Type() == "" {
		return "", 0, ""
	}
	d, err := events.DecodeData(e)
	if err != nil {
		return "", 0, ""
	}
	switch v := d.(type) {
	case *events.PullRequestData:
		return v.Repository.FullName, atoi(v.PullRequestID), v.SourceCommit
	case *events.CommentData:
		return v.Repository.FullName, atoi(v.PullRequestID), v.CommitID
	case *events.ReferenceData:
		return v.Repository.FullName, 0, v.CommitID
	case *events.BuildStateData:
		if v.Repository != nil {
			return v.Repository.FullName, 0, v.CommitID
		}
		return "", 0, v.CommitID
	}
	return "", 0, ""
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "#"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

package build

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

// stepLogLines is how many of a failing step's last output lines its error shows.
const stepLogLines = 10

// stepLogs keeps the last lines each build step wrote, so that a failure shows the failing
// step's own output in the error: on a terminal BuildKit's display clears a step's lines once
// it ends, and a CI log may keep only the error.
type stepLogs struct {
	names   map[digest.Digest]string
	lines   map[digest.Digest][]string
	partial map[digest.Digest]string
	failed  []digest.Digest
	// redact are values (build secrets) replaced by *** in what the error shows.
	redact []string
}

func newStepLogs(redact []string) *stepLogs {
	return &stepLogs{names: map[digest.Digest]string{}, lines: map[digest.Digest][]string{},
		partial: map[digest.Digest]string{}, redact: redact}
}

// add records a status update of the solve.
func (s *stepLogs) add(st *client.SolveStatus) {
	for _, v := range st.Vertexes {
		s.names[v.Digest] = v.Name
		if v.Error != "" && !strings.Contains(v.Error, "context canceled") && !slices.Contains(s.failed, v.Digest) {
			s.failed = append(s.failed, v.Digest)
		}
	}
	for _, l := range st.Logs {
		text := s.partial[l.Vertex] + string(l.Data)
		parts := strings.Split(text, "\n")
		s.partial[l.Vertex] = parts[len(parts)-1]
		lines := append(s.lines[l.Vertex], parts[:len(parts)-1]...)
		if len(lines) > stepLogLines {
			lines = lines[len(lines)-stepLogLines:]
		}
		s.lines[l.Vertex] = lines
	}
}

// redacted is st with the secret values in its log lines replaced by *** (for the progress
// display: a RUN step that prints a build secret does not put it in berth's output).
func (s *stepLogs) redacted(st *client.SolveStatus) *client.SolveStatus {
	if len(s.redact) == 0 || len(st.Logs) == 0 {
		return st
	}
	out := *st
	out.Logs = make([]*client.VertexLog, len(st.Logs))
	for i, l := range st.Logs {
		c := *l
		data := string(c.Data)
		for _, r := range s.redact {
			data = strings.ReplaceAll(data, r, "***")
		}
		c.Data = []byte(data)
		out.Logs[i] = &c
	}
	return &out
}

// tail is the last output lines of each failed step, under the step's name; "" when the
// failed steps wrote nothing.
func (s *stepLogs) tail() string {
	var b strings.Builder
	for _, d := range s.failed {
		lines := s.lines[d]
		if p := strings.TrimRight(s.partial[d], "\r"); p != "" {
			lines = append(lines, p)
			if len(lines) > stepLogLines {
				lines = lines[1:]
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\nlast lines of %s:", s.names[d])
		for _, l := range lines {
			l = strings.TrimRight(l, "\r")
			for _, r := range s.redact {
				l = strings.ReplaceAll(l, r, "***")
			}
			b.WriteString("\n  | " + l)
		}
	}
	return b.String()
}

package convert

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// fromReference marks a port berth inferred from another value naming <service>:<port>.
const fromReference model.PortSource = "reference"

// portRef is a port of a service named somewhere in the input, and where.
type portRef struct {
	Port  int32
	Field string
}

// hostPort finds host:port pairs in a value (URLs, "kafka:9092", "PLAINTEXT://kafka:9092").
func hostPort() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|[^A-Za-z0-9_.-])([A-Za-z0-9][A-Za-z0-9_.-]*):([0-9]{1,5})(?:[^0-9]|$)`)
}

// references collects, for every service name, the ports other values connect to it on:
// environment values, entrypoints and commands of every container. Compose files rarely
// declare the ports their backends listen on, but their clients usually say it
// (KAFKA_ADDR=kafka:9092, DATABASE_URL=postgres://u@db:5432/x). Only host names that are
// services count. Values never leave this function; reports name the field only.
func (b *builder) references() map[string][]portRef {
	re := hostPort()
	out := map[string][]portRef{}
	seen := map[string]bool{}
	scan := func(value, field string) {
		for _, m := range re.FindAllStringSubmatch(value, -1) {
			host := strings.ToLower(m[1])
			if b.serviceNamed(host) == nil && b.serviceNamed(m[1]) == nil {
				continue
			}
			if b.serviceNamed(host) == nil {
				host = m[1]
			}
			n, err := strconv.Atoi(m[2])
			if err != nil || n < 1 || n > 65535 {
				continue
			}
			key := host + "\x00" + m[2]
			if !seen[key] {
				seen[key] = true
				out[host] = append(out[host], portRef{Port: int32(n), Field: field})
			}
		}
	}
	for _, s := range b.app.Services {
		for ci := range s.Containers {
			c := &s.Containers[ci]
			for _, e := range c.Env {
				if !e.Unset && e.From == nil {
					scan(e.Value, e.Field)
				}
			}
			for _, a := range append(append([]string(nil), c.Command...), c.Args...) {
				scan(a, b.cfield(c, "command"))
			}
		}
	}
	for _, refs := range out {
		sort.SliceStable(refs, func(i, j int) bool { return refs[i].Port < refs[j].Port })
	}
	return out
}

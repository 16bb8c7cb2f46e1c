package compose

import (
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// keysFunc returns the identities a list item of the input stands for (a port range stands
// for several ports). compose-go merges, deduplicates and expands lists, so a loaded item is
// traced back to its input item by identity, not by index.
type keysFunc func(n *yaml.Node) []string

// matcher returns a lookup from an item identity to the input field path of the item in list
// services.<service>.<list>, falling back to the given path.
func (m *mapper) matcher(service, list string, keys keysFunc) func(key, fallback string) string {
	table := map[string]string{}
	if n := m.idx.service(service).get("." + list); n != nil {
		base := m.idx.serviceField(service) + "." + list
		for _, kid := range n.kids {
			for _, k := range keys(kid.node) {
				table[k] = base + kid.seg
			}
		}
	}
	return func(key, fallback string) string {
		if p, ok := table[key]; ok {
			return p
		}
		return fallback
	}
}

func (m *mapper) expand(s string) string {
	return expander(lookupIn(m.project.Environment))(s)
}

func scalar(n *yaml.Node, key string, expand func(string) string) string {
	if v := mapGet(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return expand(v.Value)
	}
	return ""
}

// itemKeys is the keysFunc of a list whose items have a short form (a string, given
// interpolated to short) and a long form (a mapping, given to long; nil: no identity).
func itemKeys(expand func(string) string, short func(string) []string, long func(n *yaml.Node) []string) keysFunc {
	return func(n *yaml.Node) []string {
		switch n = deref(n); {
		case n == nil:
			return nil
		case n.Kind == yaml.ScalarNode:
			return short(expand(n.Value))
		case long == nil:
			return nil
		}
		return long(n)
	}
}

func portKeys(expand func(string) string) keysFunc {
	return itemKeys(expand, func(s string) []string {
		ports, err := types.ParsePortConfig(s)
		if err != nil {
			return nil
		}
		keys := make([]string, 0, len(ports))
		for _, p := range ports {
			keys = append(keys, portKey(p.Target, p.Published, p.Protocol))
		}
		return keys
	}, func(n *yaml.Node) []string {
		proto := scalar(n, "protocol", expand)
		if proto == "" {
			proto = "tcp"
		}
		return []string{scalar(n, "target", expand) + "/" + scalar(n, "published", expand) + "/" + strings.ToLower(proto)}
	})
}

func scalarKeys(expand func(string) string) keysFunc {
	return itemKeys(expand, func(s string) []string { return []string{s} }, nil)
}

// volumeKeys identifies a volume item by its target.
func volumeKeys(expand func(string) string) keysFunc {
	return itemKeys(expand, func(s string) []string {
		v, err := format.ParseVolume(s)
		if err != nil {
			return nil
		}
		return []string{mountKey(v.Target)}
	}, func(n *yaml.Node) []string { return []string{mountKey(scalar(n, "target", expand))} })
}

// mountKey is a volume's target as the loader gives it: compose-go cleans the path
// ("/app/var/" is "/app/var"), so the item written with a trailing slash is found too.
func mountKey(target string) string {
	if target == "" {
		return ""
	}
	return path.Clean(target)
}

// refKeys identifies a secrets/configs item by its source and target as written.
func refKeys(expand func(string) string) keysFunc {
	return itemKeys(expand, func(s string) []string { return []string{s + "|"} },
		func(n *yaml.Node) []string {
			return []string{scalar(n, "source", expand) + "|" + scalar(n, "target", expand)}
		})
}

// tmpfsKeys identifies a tmpfs item by its target (the part before ':').
func tmpfsKeys(expand func(string) string) keysFunc {
	return itemKeys(expand, func(s string) []string {
		t, _, _ := strings.Cut(s, ":")
		return []string{t}
	}, nil)
}

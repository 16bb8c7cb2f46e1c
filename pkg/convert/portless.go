package convert

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// portless.go: one warning per fact. A service whose port berth cannot see gets no Service;
// every service that depends on it, links to it or dials it by name is affected by that one
// fact, so it is one warning listing them all, not one per dependant.

// portlessUse is one way a service relies on a port-less one.
type portlessUse struct {
	Service, Field, What string
}

// notePortless records that user relies on the port-less service target.
func (b *builder) notePortless(target string, use portlessUse) {
	if b.portless == nil {
		b.portless = map[string][]portlessUse{}
	}
	b.portless[target] = append(b.portless[target], use)
}

// portlessWarnings emits one warning per port-less service that others rely on, at the first
// user's field, listing every user.
func (b *builder) portlessWarnings() {
	targets := make([]string, 0, len(b.portless))
	for t := range b.portless {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		uses := b.portless[t]
		var list []string
		for _, u := range uses {
			if s := fmt.Sprintf("%s %s (%s)", u.Service, u.What, u.Field); !slices.Contains(list, s) {
				list = append(list, s)
			}
		}
		b.ledger.Warnf(uses[0].Service, uses[0].Field, "no TCP port of %q is known, so %q gets no Service; relying on it: %s; %s",
			t, t, strings.Join(list, ", "), declarePort(t))
	}
}

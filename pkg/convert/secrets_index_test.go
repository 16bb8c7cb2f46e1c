package convert

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestOccurringMatchesSearch checks the prefix index against searching for each value: for
// random values over a small alphabet (so prefixes collide and values contain each other) and
// random strings, occurring returns exactly the non-public values that are substrings, in
// sorted's order, both below and above fewSecrets.
func TestOccurringMatchesSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteByte("abc-"[r.IntN(4)])
		}
		return sb.String()
	}
	for _, n := range []int{0, 1, fewSecrets, fewSecrets + 1, 200} {
		st := &secretState{values: map[string]string{}, public: map[string]bool{}}
		for range n {
			st.add(word(minSecretValue+r.IntN(6)), "V")
		}
		for v := range st.values {
			st.sorted = append(st.sorted, v)
			if r.IntN(5) == 0 {
				st.public[v] = true
			}
		}
		sort.Slice(st.sorted, func(i, j int) bool {
			if len(st.sorted[i]) != len(st.sorted[j]) {
				return len(st.sorted[i]) > len(st.sorted[j])
			}
			return st.sorted[i] < st.sorted[j]
		})
		st.index()
		for range 300 {
			s := word(r.IntN(40))
			var want []string
			for _, v := range st.sorted {
				if !st.public[v] && strings.Contains(s, v) {
					want = append(want, v)
				}
			}
			if got := st.occurring(s); !slices.Equal(got, want) {
				t.Fatalf("%d values, s=%q: occurring = %q, want %q", n, s, got, want)
			}
		}
	}
}

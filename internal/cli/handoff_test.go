package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestFindCluster checks where berth looks for berth-cluster: $BERTH_CLUSTER first, then
// PATH (beside the test binary there is none), and the error when it is nowhere.
func TestFindCluster(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("executable bits")
	}
	dir := t.TempDir()
	helper := filepath.Join(dir, ClusterExecutable)
	if err := os.WriteFile(helper, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	for _, tc := range []struct {
		name    string
		environ []string
		want    string
		wantErr string
	}{
		{"env", []string{ClusterEnv + "=" + helper, "PATH=" + empty}, helper, ""},
		{"env not executable", []string{ClusterEnv + "=" + plain}, "", "BERTH_CLUSTER=" + plain + " is not an executable file"},
		{"path", []string{"PATH=" + empty + string(os.PathListSeparator) + dir}, helper, ""},
		{"empty env falls back to path", []string{ClusterEnv + "=", "PATH=" + dir}, helper, ""},
		{"nowhere", []string{"PATH=" + empty}, "", "this command is in the berth-cluster executable, which is neither beside "},
		{"handed back", []string{handoffEnv + "=1", ClusterEnv + "=" + helper}, "", "berth was started in place of berth-cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := findCluster(tc.environ)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tc.wantErr)
				}
				if tc.name == "nowhere" && !strings.Contains(err.Error(), "go install github.com/berth-dev/berth/cmd/berth-cluster@") {
					t.Errorf("error does not say how to install it: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

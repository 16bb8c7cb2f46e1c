package validate_test

import (
	"os"
	"testing"

	"github.com/berth-dev/berth/test/cluster"
)

// kube is the apiserver TestEmbeddedSchemasAreCurrent captures the schemas from.
var kube = cluster.NewShared(cluster.Options{Mode: cluster.APIServerOnly})

func TestMain(m *testing.M) { os.Exit(kube.Run(m)) }

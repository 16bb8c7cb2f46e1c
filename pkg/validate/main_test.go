package validate_test

import (
	"os"
	"testing"

	"github.com/berth-dev/berth/test/cluster"
)

// TestEmbeddedSchemasAreCurrent captures the schemas from cluster.APIServer.
func TestMain(m *testing.M) { os.Exit(cluster.APIServer.Run(m)) }

package convert

import "github.com/berth-dev/berth/pkg/model"

// fromReference marks a port berth inferred from another value naming <service>:<port>.
const fromReference model.PortSource = "reference"

// fromHealthcheck marks a port berth inferred from the service's own healthcheck dialing
// localhost:<port>.
const fromHealthcheck model.PortSource = "healthcheck"

// portRef is a port of a service named somewhere in the input, and where.
type portRef struct {
	Port  int32
	Field string
}

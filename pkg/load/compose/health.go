package compose

import (
	"math"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
)

// health maps a healthcheck. compose-go turns the string form into CMD-SHELL already.
func (m *mapper) health(name, f string, hc *types.HealthCheckConfig) *model.Health {
	if hc == nil {
		return nil
	}
	field := f + ".healthcheck"
	h := &model.Health{
		Interval:      duration(hc.Interval),
		Timeout:       duration(hc.Timeout),
		StartPeriod:   duration(hc.StartPeriod),
		StartInterval: duration(hc.StartInterval),
		Field:         field,
	}
	if hc.Retries != nil {
		r := int32(min(*hc.Retries, math.MaxInt32))
		h.Retries = &r
	}
	switch {
	case hc.Disable || len(hc.Test) > 0 && hc.Test[0] == "NONE":
		return &model.Health{Type: model.HealthNone, Field: field}
	case len(hc.Test) == 0:
		m.warnAt(name, field, "healthcheck has no test: the image's HEALTHCHECK applies, which berth cannot see; add test to get probes")
		return nil
	case hc.Test[0] == "CMD":
		h.Type = model.HealthExec
		h.Command = append([]string{}, hc.Test[1:]...)
	case hc.Test[0] == "CMD-SHELL":
		h.Type = model.HealthShell
		h.Command = []string{strings.Join(hc.Test[1:], " ")}
	}
	return h
}

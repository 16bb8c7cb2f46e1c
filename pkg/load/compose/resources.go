package compose

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
)

// resourceKeys are the service keys that set a container's resources; Resources.Field names
// the first one written.
func resourceKeys() []string {
	return []string{"deploy.resources", "mem_limit", "cpus", "mem_reservation", "cpu_shares", "gpus"}
}

// resources maps deploy.resources, falling back to the legacy cpus, cpu_shares, mem_limit and
// mem_reservation fields (compose-go rejects conflicting values for both).
func (m *mapper) resources(name, f string, svc types.ServiceConfig) model.Resources {
	var r model.Resources
	// Field names the input the resources came from, never the whole service.
	for _, k := range resourceKeys() {
		if m.idx.has(f + "." + k) {
			r.Field = f + "." + k
			break
		}
	}
	if d := svc.Deploy; d != nil {
		if l := d.Resources.Limits; l != nil {
			r.CPULimit = millis(float64(l.NanoCPUs.Value()))
			r.MemLimit = int64(l.MemoryBytes)
			r.GPUs = max(r.GPUs, m.gpus(name, f+".deploy.resources.limits.devices", l.Devices))
		}
		if rs := d.Resources.Reservations; rs != nil {
			r.CPURequest = millis(float64(rs.NanoCPUs.Value()))
			r.MemRequest = int64(rs.MemoryBytes)
			r.GPUs = max(r.GPUs, m.gpus(name, f+".deploy.resources.reservations.devices", rs.Devices))
		}
	}
	if r.CPULimit == 0 && svc.CPUS > 0 {
		r.CPULimit = millis(float64(svc.CPUS))
	}
	if r.CPURequest == 0 && svc.CPUShares > 0 {
		// docker's cpu_shares are relative weights with 1024 = one CPU's worth, the same scale
		// Kubernetes uses to turn CPU requests into cgroup shares.
		r.CPURequest = max(1, svc.CPUShares*1000/1024)
	}
	if r.MemLimit == 0 {
		r.MemLimit = int64(svc.MemLimit)
	}
	if r.MemRequest == 0 {
		r.MemRequest = int64(svc.MemReservation)
	}
	r.GPUs = max(r.GPUs, m.gpus(name, f+".gpus", svc.Gpus))
	return r
}

func millis(cpus float64) int64 {
	if cpus <= 0 {
		return 0
	}
	return int64(math.Round(cpus * 1000))
}

// gpus counts the GPUs a device request asks for; "all" (or no count) cannot be expressed as
// a Kubernetes request and becomes 1 with a warning.
func (m *mapper) gpus(name, field string, devs []types.DeviceRequest) int64 {
	var n int64
	for i, d := range devs {
		if !slices.Contains(d.Capabilities, "gpu") && d.Driver != "nvidia" {
			m.warnAt(name, fmt.Sprintf("%s[%d]", field, i), "device request (capabilities %s, driver %q) is not converted: only GPUs become nvidia.com/gpu; "+
				"other devices need a device plugin's extended resource", strings.Join(d.Capabilities, ","), d.Driver)
			continue
		}
		switch {
		case d.Count > 0:
			n += int64(d.Count)
		case len(d.IDs) > 0:
			n += int64(len(d.IDs))
		default:
			m.warnAt(name, field, "all GPUs requested: Kubernetes needs a number, berth requests 1")
			n++
		}
	}
	return n
}
